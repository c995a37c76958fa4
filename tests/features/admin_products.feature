Feature: Admins add products to the catalog
  An administrator adds products; shoppers see them in the catalog at once,
  and every addition is recorded in the audit log.

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
