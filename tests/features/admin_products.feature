Feature: Admins manage the products of the catalog
  An administrator adds products, edits their name, price and stock in place, deletes them and
  restores them. Deleting is soft: a deleted product leaves the catalog (shoppers can no longer
  find it or open its page) but stays in the admins' product list when they choose to show deleted
  products. Shoppers see every change in the catalog at once; a cart line and an order keep the price
  the product had when it was put in the cart. Every change is recorded in the audit log.

  Background:
    Given an administrator "admin" with password "admin"

  Scenario: A new product appears in the catalog and in the audit log
    Given the administrator is logged in
    When they add a product named "Walnut Desk" priced "349.00" with 4 in stock
    Then the catalog lists "Walnut Desk" at "$349.00"
    And the audit log holds one "ProductCreated" entry for "Walnut Desk"

  Scenario: A product name already in the catalog is refused
    Given the administrator is logged in
    And they add a product named "Oak Chair" priced "89.00" with 10 in stock
    When they add a product named "Oak Chair" priced "95.00" with 2 in stock
    Then they are told "A product named 'Oak Chair' already exists"
    And the catalog lists "Oak Chair" at "$89.00"

  Scenario: A customer may not add products
    Given a customer "alice" with password "alice-pass" is logged in
    When they add a product named "Sneaky Lamp" priced "1.00" with 1 in stock
    Then they are refused with "Only administrators can create products"

  Scenario: A new price shows in the catalog at once, while carts and orders keep the price they were filled at
    Given the catalog holds
      | name      | price | stock |
      | Oak Chair | 89.00 | 10    |
    And Alice is a customer
    And Bob is a customer
    And Alice has added 1 "Oak Chair" to her cart
    And the administrator is logged in
    When the administrator changes the price of "Oak Chair" to "95.00"
    Then the product list shows "Oak Chair" saved, at "$95.00" with 9 in stock
    And the catalog lists "Oak Chair" at "$95.00"
    And Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 1        |
    When Alice checks out
    Then Alice's order history shows one order, for "89.00", holding
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 1        |
    When Bob adds 1 "Oak Chair" to his cart
    Then Bob's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 95.00      | 1        |

  Scenario: An edit made while someone else changed the product is refused, showing the product as it is now
    Given the catalog holds
      | name      | price | stock |
      | Oak Chair | 89.00 | 10    |
    And the administrator is logged in
    And the administrator has opened "Oak Chair" for editing
    And the price of "Oak Chair" changes to "92.00"
    When the administrator sets the price to "95.00" in the form they opened, and saves it
    Then the edit is refused with "Someone else changed this product while you were editing it."
    And the form shows "Oak Chair" as it is now: named "Oak Chair", priced "$92.00", with 10 in stock
    And the form keeps the price "95.00" the administrator typed
    And the catalog lists "Oak Chair" at "$92.00"
    When the administrator saves the form again
    Then the product list shows "Oak Chair" saved, at "$95.00" with 10 in stock
    And the catalog lists "Oak Chair" at "$95.00"

  Scenario Outline: A stock that is not a whole number of units, or is negative, is refused beside the stock field
    Given the catalog holds
      | name      | price | stock |
      | Oak Chair | 89.00 | 10    |
    And the administrator is logged in
    When the administrator changes the stock of "Oak Chair" to "<stock>"
    Then the administrator is told "<message>" beside the stock of "Oak Chair"
    And the stock of "Oak Chair" is 10

    Examples:
      | stock | message                                              |
      | -3    | Stock must be a whole number from 0 to 2,147,483,647 |
      | 2.5   | Stock must be a whole number from 0 to 2,147,483,647 |
      | ²     | Stock must be a whole number from 0 to 2,147,483,647 |

  Scenario: A deleted product leaves the catalog but stays in the admins' list of deleted products
    Given the catalog holds
      | name        | price | stock |
      | Oak Chair   | 89.00 | 10    |
      | Tin Whistle | 12.45 | 20    |
    And the administrator is logged in
    When the administrator deletes "Oak Chair", confirming when asked
    Then the administrator is shown "Product “Oak Chair” deleted. Shoppers no longer see it."
    And the catalog no longer lists "Oak Chair"
    And the catalog lists "Tin Whistle" at "$12.45"
    And the page of "Oak Chair" is not found
    And the product list does not show "Oak Chair"
    And the product list, showing deleted products, shows "Oak Chair" as deleted
    And the audit log holds one "ProductDeleted" entry for "Oak Chair"

  Scenario: A product in a customer's cart cannot be deleted
    Given the catalog holds
      | name      | price | stock |
      | Oak Chair | 89.00 | 10    |
    And Alice is a customer
    And Alice has added 1 "Oak Chair" to her cart
    And the administrator is logged in
    When the administrator deletes "Oak Chair", confirming when asked
    Then the deletion is refused with "Not deleted: this product is in a shopper's cart. It can be deleted once no cart holds it."
    And the catalog lists "Oak Chair" at "$89.00"
    And the product list shows "Oak Chair" as live
    And the audit log holds no "ProductDeleted" entry
    And Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 1        |

  Scenario: A restored product is back in the catalog
    Given the catalog holds
      | name      | price | stock |
      | Oak Chair | 89.00 | 10    |
    And "Oak Chair" has been deleted
    And the administrator is logged in
    When the administrator restores "Oak Chair" from the product list showing deleted products
    Then the administrator is shown "Product “Oak Chair” restored: shoppers see it again."
    And the catalog lists "Oak Chair" at "$89.00"
    And the page of "Oak Chair" shows it at "$89.00"
    And the product list shows "Oak Chair" as live
    And the audit log holds one "ProductRestored" entry for "Oak Chair"
