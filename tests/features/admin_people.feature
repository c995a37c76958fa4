Feature: Administrators manage feature flags, user groups, users and coupons
  From the admin pages an administrator switches features on for everyone or only for the
  groups a flag targets, keeps those groups and their members, creates accounts, changes
  roles (the new rights apply from the user's next request, without logging in again) and
  creates coupons. Every refusal is shown beside the field at fault.

  Background:
    Given Ada is a logged-in administrator

  Scenario: A new flag stays off until it is switched on, then it is on for everyone
    Given Bob is a customer
    When Ada creates the flag "new_checkout" described as "One-page checkout"
    Then the flags page shows "new_checkout" off for all users
    And the flag "new_checkout" is off for Bob
    When Ada switches the flag "new_checkout" on
    Then the flags page shows "new_checkout" on for all users
    And the flag "new_checkout" is on for Bob
    And the flags page describes "new_checkout" as "One-page checkout"

  Scenario: A flag's description is edited from the flags page
    Given the enabled flag "new_checkout" exists
    When Ada describes the flag "new_checkout" as "Checkout in one page"
    Then the flags page describes "new_checkout" as "Checkout in one page"

  Scenario: A flag targeted at a group is on only for the group's members
    Given Bob is a customer
    And Cleo is a customer
    And the group "beta_testers" has the member Bob
    And the enabled flag "new_checkout" exists
    When Ada targets the flag "new_checkout" at "beta_testers"
    Then the flags page shows "new_checkout" on for "beta_testers"
    And the flag "new_checkout" is on for Bob
    And the flag "new_checkout" is off for Cleo
    When Ada targets the flag "new_checkout" at no group
    Then the flag "new_checkout" is on for Cleo

  Scenario: A deleted flag is off for everyone
    Given Bob is a customer
    And the enabled flag "new_checkout" exists
    When Ada deletes the flag "new_checkout"
    Then the flags page no longer lists "new_checkout"
    And the flag "new_checkout" is off for Bob

  Scenario: Deleting a group removes it from the flags that target it
    Given Bob is a customer
    And Cleo is a customer
    And the group "beta_testers" has the member Bob
    And the enabled flag "new_checkout" targets "beta_testers"
    When Ada deletes the group "beta_testers"
    Then the groups page no longer lists "beta_testers"
    And the flags page shows "new_checkout" on for all users
    And the flag "new_checkout" is on for Cleo

  Scenario: A group's name must be unique
    Given the group "beta_testers" exists
    When Ada creates the group "beta_testers" described as "Again"
    Then Ada is told "Group 'beta_testers' already exists" beside the name

  Scenario: Members are added and removed by username
    Given Bob is a customer
    And Cleo is a customer
    And the group "beta_testers" exists
    When Ada adds Bob to the group "beta_testers"
    And Ada adds Cleo to the group "beta_testers"
    And Ada removes Bob from the group "beta_testers"
    Then the groups page lists "beta_testers" with the members "cleo"
    And the users page shows "cleo" in the groups "beta_testers"
    And the users page shows "bob" in no group

  Scenario: An administrator creates a customer, who can then log in
    When Ada creates the customer "dan" with the password "dan-secret"
    Then the users page lists "dan" as a customer
    And "dan" can log in with the password "dan-secret"

  Scenario: A username that is taken is refused
    Given Bob is a customer
    When Ada creates the customer "bob" with the password "another-secret"
    Then Ada is told "The username 'bob' is taken" beside the username

  Scenario: A promoted customer reaches the admin pages on their next request, still logged in
    Given Bob is a customer
    And Bob is logged in in a browser of his own
    And Bob's browser is refused the admin pages
    When Ada makes Bob an admin
    Then the users page lists "bob" as an admin
    And Bob's next request to the admin pages gets through without logging in again
    And Bob's browser holds a new session id

  Scenario: A new coupon is listed first, as active
    Given the coupon "WELCOME" gives 5% off
    When Ada creates the coupon "spring10" for "10" percent off, expiring "2031-03-01T09:30"
    Then the coupons page lists first "SPRING10" for 10% off until "2031-03-01 09:30 UTC", active
    And Ada is shown "Coupon SPRING10 created: 10% off until 2031-03-01 09:30 UTC."

  Scenario: Every mistake in a new coupon is shown at once, beside its field
    When Ada creates the coupon "" for "abc" percent off, expiring "soon"
    Then Ada is told, beside each field
      | field            | message                                              |
      | code             | Coupon code cannot be empty                          |
      | discount_percent | Discount must be a number, such as 10 or 12.5        |
      | expires_at       | Enter a date and time, such as 2030-12-31 23:59 (UTC) |
    And the coupons page says "No coupons yet."

  Scenario: A coupon code already in use is refused, whatever its case
    Given the coupon "WELCOME" gives 5% off
    When Ada creates the coupon "welcome" for "10" percent off, expiring "2031-03-01T09:30"
    Then Ada is told "Coupon 'WELCOME' already exists" beside the code

  Scenario Outline: Customers are refused the admin pages
    Given Bob is a logged-in customer
    When Bob opens the admin page "<page>"
    Then Bob is refused with "<message>"

    Examples:
      | page           | message                              |
      | /admin/coupons | Admin access required                |
      | /admin/users   | Insufficient permissions             |
      | /admin/groups  | Only admins can manage user groups   |
      | /admin/flags   | Only admins can manage feature flags |
