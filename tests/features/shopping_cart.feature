Feature: Shoppers fill their cart
  Adding a product to the cart reserves its stock at once: the catalog's stock goes down in the
  same step. Changing a quantity reserves or releases the difference, and removing a line
  releases all of it. A cart line keeps the price of the moment it was first added (the
  snapshot). Each customer sees and changes only their own cart.

  Background:
    Given the catalog holds
      | name        | price  | stock |
      | Walnut Desk | 349.00 | 4     |
      | Oak Chair   | 89.00  | 10    |
      | Brass Lamp  | 24.50  | 3     |
    And Alice is a logged-in customer

  Scenario: Adding a product reserves its stock
    When Alice adds 3 "Oak Chair" to her cart
    Then Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 3        |
    And Alice's cart totals "267.00" for 3 items
    And the stock of "Oak Chair" is 7
    And the stock of "Walnut Desk" is 4

  Scenario: Adding a product already in the cart merges the line and keeps the first price
    Given Alice has added 1 "Oak Chair" to her cart
    And Alice has added 1 "Brass Lamp" to her cart
    And the price of "Oak Chair" changes to "99.00"
    When Alice adds 2 "Oak Chair" to her cart
    Then Alice's cart holds
      | product    | unit price | quantity |
      | Oak Chair  | 89.00      | 3        |
      | Brass Lamp | 24.50      | 1        |
    And Alice's cart totals "291.50" for 4 items
    And the catalog lists "Oak Chair" at "99.00"
    And the stock of "Oak Chair" is 7

  Scenario: Asking for more than is left is refused and changes nothing
    Given Alice has added 1 "Brass Lamp" to her cart
    When Alice adds 3 "Brass Lamp" to her cart
    Then the shop answers 400 "Insufficient stock for 'Brass Lamp': requested 3, available 2"
    And Alice's cart holds
      | product    | unit price | quantity |
      | Brass Lamp | 24.50      | 1        |
    And the stock of "Brass Lamp" is 2

  Scenario: A first line larger than the stock is refused and the cart stays empty
    When Alice adds 4 "Brass Lamp" to her cart
    Then the shop answers 400 "Insufficient stock for 'Brass Lamp': requested 4, available 3"
    And Alice's cart is empty
    And the stock of "Brass Lamp" is 3

  Scenario Outline: Changing a quantity reserves or releases the difference
    Given Alice has added 4 "Oak Chair" to her cart
    When Alice changes the quantity of "Oak Chair" in her cart to <quantity>
    Then Alice's cart holds
      | product   | unit price | quantity   |
      | Oak Chair | 89.00      | <quantity> |
    And the stock of "Oak Chair" is <stock>

    Examples:
      | quantity | stock |
      | 7        | 3     |
      | 10       | 0     |
      | 1        | 9     |
      | 4        | 6     |

  Scenario: Changing a quantity beyond the stock is refused, naming the increase
    Given Alice has added 1 "Brass Lamp" to her cart
    When Alice changes the quantity of "Brass Lamp" in her cart to 5
    Then the shop answers 400 "Insufficient stock for 'Brass Lamp': requested 4, available 2"
    And Alice's cart holds
      | product    | unit price | quantity |
      | Brass Lamp | 24.50      | 1        |
    And the stock of "Brass Lamp" is 2

  Scenario: A quantity of 0 is refused (removing is how a line goes)
    Given Alice has added 2 "Oak Chair" to her cart
    When Alice changes the quantity of "Oak Chair" in her cart to 0
    Then the shop answers 400 "Quantity must be greater than 0" naming the field quantity
    And Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 2        |
    And the stock of "Oak Chair" is 8

  Scenario: Removing a line releases its whole quantity
    Given Alice has added 3 "Oak Chair" to her cart
    And Alice has added 1 "Walnut Desk" to her cart
    When Alice removes "Oak Chair" from her cart
    Then Alice's cart holds
      | product     | unit price | quantity |
      | Walnut Desk | 349.00     | 1        |
    And Alice's cart totals "349.00" for 1 item
    And the stock of "Oak Chair" is 10
    And the stock of "Walnut Desk" is 3

  Scenario: Removing the last line leaves an empty cart
    Given Alice has added 2 "Brass Lamp" to her cart
    When Alice removes "Brass Lamp" from her cart
    Then Alice's cart is empty
    And the stock of "Brass Lamp" is 3

  Scenario: Each customer sees only their own cart
    Given Bob is a customer
    And Alice has added 2 "Oak Chair" to her cart
    And Bob has added 1 "Walnut Desk" to his cart
    And Bob has added 1 "Oak Chair" to his cart
    Then Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 2        |
    And Bob's cart holds
      | product     | unit price | quantity |
      | Walnut Desk | 349.00     | 1        |
      | Oak Chair   | 89.00      | 1        |
    And the stock of "Oak Chair" is 7
    And the stock of "Walnut Desk" is 3

  Scenario: A customer cannot remove a line from another customer's cart
    Given Bob is a customer
    And Alice has added 2 "Oak Chair" to her cart
    When Bob removes "Oak Chair" from his cart
    Then the shop answers 404: "Oak Chair" is not in his cart
    And Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 2        |
    And Bob's cart is empty
    And the stock of "Oak Chair" is 8
