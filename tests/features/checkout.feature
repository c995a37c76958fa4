Feature: Shoppers check out their cart
  Submitting turns the cart into an order. Every order needs a verified shipping address: the
  address verification service standardises it, and only the standardised address goes on the
  order. The stock stays sold (it was reserved when added) and the cart is emptied. A coupon is
  optional; its discount is subtotal × percent / 100 rounded half-up to cents, and each customer
  may use a given coupon once. Any refusal leaves the cart as it was.

  Background:
    Given the catalog holds
      | name           | price  | stock |
      | Budget Adapter | 988.96 | 5     |
      | Oak Chair      | 89.00  | 10    |
      | Tin Whistle    | 12.45  | 20    |
    And Alice is a logged-in customer

  Scenario: Submitting with a verified address places an order
    Given Alice has added 2 "Budget Adapter" to her cart
    And Alice has added 1 "Oak Chair" to her cart
    When Alice checks out, shipping to
      | street line 1 | 123 Main St |
      | street line 2 | Apt 4       |
      | city          | Springfield |
      | state         | il          |
      | postal code   | 62701       |
      | country       | us          |
    Then an order is placed holding
      | product        | unit price | quantity |
      | Budget Adapter | 988.96     | 2        |
      | Oak Chair      | 89.00      | 1        |
    And the order's subtotal is "2066.92", with no coupon, and its total is "2066.92"
    And the order ships to the standardised address
      | street line 1   | 123 MAIN ST |
      | street line 2   | APT 4       |
      | city            | SPRINGFIELD |
      | state           | IL          |
      | postal code     | 62701       |
      | country         | US          |
      | verification id | STUB-62701  |
    And Alice's cart is empty
    And the stock of "Budget Adapter" is 3
    And the stock of "Oak Chair" is 9
    And Alice's order history lists that order

  Scenario Outline: An address that cannot be verified is refused and the cart stays
    Given Alice has added 1 "Oak Chair" to her cart
    When Alice checks out, shipping to "<street line 1>"
    Then the shop answers 400 "<message>" naming the field <field>
    And Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 1        |
    And the stock of "Oak Chair" is 9
    And Alice has no orders

    Examples:
      | street line 1         | message                                                                                | field         |
      | 12 Invalid Road       | Address verification failed: Address not found or is invalid                           | street_line_1 |
      | 7 Undeliverable Lane  | Address verification failed: Address exists but cannot receive deliveries              | none          |
      | 3 Unavailable Avenue  | Address verification failed: Address verification service is temporarily unavailable  | none          |

  Scenario: An empty cart cannot be submitted
    When Alice checks out
    Then the shop answers 400 "Cannot submit an empty cart"
    And Alice has no orders

  Scenario Outline: A coupon preview shows the discount on the cart without using the coupon
    Given the coupon "SAVE10" gives 10% off
    And Alice has added 1 "<product>" to her cart
    When Alice previews the coupon "save10"
    Then the preview shows "10.00"% off, saving "<discount>"
    And Alice's cart holds
      | product   | unit price | quantity |
      | <product> | <price>    | 1        |
    And Alice has no orders

    Examples: half-up rounding to cents
      | product        | price  | discount |
      | Budget Adapter | 988.96 | 98.90    |
      | Tin Whistle    | 12.45  | 1.25     |

  Scenario: A coupon applied at checkout is stored on the order
    Given the coupon "SAVE10" gives 10% off
    And Alice has added 1 "Budget Adapter" to her cart
    And Alice has previewed the coupon "SAVE10"
    When Alice checks out with the coupon "save10"
    Then an order is placed holding
      | product        | unit price | quantity |
      | Budget Adapter | 988.96     | 1        |
    And the order's subtotal is "988.96", the coupon "SAVE10" takes "98.90" off, and its total is "890.06"
    And Alice's cart is empty
    And Alice's order history lists that order

  Scenario Outline: A customer may use a coupon only once
    Given the coupon "SAVE10" gives 10% off
    And Alice has placed an order for 1 "Oak Chair" with the coupon "SAVE10"
    And Alice has added 1 "Budget Adapter" to her cart
    When Alice <uses> the coupon "Save10"
    Then the shop answers 400 "Coupon 'Save10' has already been used by this account"
    And Alice's cart holds
      | product        | unit price | quantity |
      | Budget Adapter | 988.96     | 1        |
    And the stock of "Budget Adapter" is 4
    And Alice has 1 order

    Examples:
      | uses                |
      | previews            |
      | checks out with     |

  Scenario: A coupon another customer has used is still good for the next one
    Given the coupon "SAVE10" gives 10% off
    And Bob is a customer
    And Bob has placed an order for 1 "Oak Chair" with the coupon "SAVE10"
    And Alice has added 1 "Budget Adapter" to her cart
    When Alice checks out with the coupon "SAVE10"
    Then the order's subtotal is "988.96", the coupon "SAVE10" takes "98.90" off, and its total is "890.06"

  Scenario Outline: An expired coupon is refused and the cart stays
    Given the coupon "OLDIE" gave 15% off but expired yesterday
    And Alice has added 1 "Oak Chair" to her cart
    When Alice <uses> the coupon "oldie"
    Then the shop answers 400 "Coupon 'OLDIE' has expired"
    And Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 1        |
    And Alice has no orders

    Examples:
      | uses                |
      | previews            |
      | checks out with     |

  Scenario Outline: An unknown coupon is not found and the cart stays
    Given the coupon "SAVE10" gives 10% off
    And Alice has added 1 "Oak Chair" to her cart
    When Alice <uses> the coupon "NOPE10"
    Then the shop answers 404 "Coupon 'NOPE10' not found"
    And Alice's cart holds
      | product   | unit price | quantity |
      | Oak Chair | 89.00      | 1        |
    And Alice has no orders

    Examples:
      | uses                |
      | previews            |
      | checks out with     |
