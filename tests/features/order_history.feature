Feature: Shoppers look back at their orders
  The order history lists orders newest first. A customer sees only their own orders; an
  administrator sees everyone's. Each order shows what was bought at the prices of the day.

  Background:
    Given the catalog holds
      | name        | price  | stock |
      | Walnut Desk | 349.00 | 4     |
      | Oak Chair   | 89.00  | 10    |
      | Brass Lamp  | 24.50  | 3     |
    And Alice is a customer
    And Bob is a customer

  Scenario: A customer sees only their own orders, newest first
    Given Alice has placed an order for 1 "Oak Chair"
    And Bob has placed an order for 1 "Walnut Desk"
    And Alice has placed an order for 2 "Brass Lamp"
    When Alice looks at her order history
    Then the order history lists, newest first
      | customer | product    | quantity | total |
      | Alice    | Brass Lamp | 2        | 49.00 |
      | Alice    | Oak Chair  | 1        | 89.00 |

  Scenario: An administrator sees everyone's orders, newest first
    Given Alice has placed an order for 1 "Oak Chair"
    And Bob has placed an order for 1 "Walnut Desk"
    And Alice has placed an order for 2 "Brass Lamp"
    And Olivia is an administrator
    When Olivia looks at the order history
    Then the order history lists, newest first
      | customer | product     | quantity | total  |
      | Alice    | Brass Lamp  | 2        | 49.00  |
      | Bob      | Walnut Desk | 1        | 349.00 |
      | Alice    | Oak Chair   | 1        | 89.00  |

  Scenario: A later price change does not rewrite an order
    Given Alice has placed an order for 1 "Oak Chair"
    And the price of "Oak Chair" changes to "99.00"
    When Alice looks at her order history
    Then the order history lists, newest first
      | customer | product   | quantity | total |
      | Alice    | Oak Chair | 1        | 89.00 |

  Scenario: With no orders the history is empty
    When Alice looks at her order history
    Then the order history is empty

  Scenario: A customer with no orders sees none of another customer's
    Given Bob has placed an order for 1 "Walnut Desk"
    When Alice looks at her order history
    Then the order history is empty
