Feature: Operators are e-mailed about unhandled errors
  When a request fails with an unhandled error, the shop answers 500 and names the request by its
  id, without a stack trace and without waiting for any e-mail. It hands the incident to the worker,
  which e-mails the configured recipients (INCIDENT_RECIPIENTS) if the flag
  incident_email_notifications is on for the user whose request failed: untargeted, the flag is on
  for everyone; targeted, only for the members of its groups. The e-mail carries the error type and
  message, the method and path, the user id, the request id, when it happened, and the traceback.
  With no recipients configured nothing is sent, and a warning says so.
  An administrator can raise such an error on purpose, to check it all works.

  Background:
    Given Ada is a logged-in administrator

  Scenario Outline: With the flag on for everyone, the incident is e-mailed with every detail
    Given incident e-mails go to "ops@example.com, oncall@example.com"
    And the flag "incident_email_notifications" is on for everyone
    When Ada triggers the test error <where>
    Then Ada is answered with a server error that names the request's id
    When the worker has handled the incident
    Then one incident e-mail has been sent, to "ops@example.com, oncall@example.com"
    And its subject is "[INCIDENT] <error type> on <path>"
    And it tells
      | error type | <error type> |
      | message    | <message>    |
      | method     | POST         |
      | path       | <path>       |
    And it names Ada as the user, the request's id, when the error happened and its traceback

    Examples:
      | where                    | error type         | message                                  | path                        |
      | from the admin dashboard | RuntimeError       | Test error triggered by an administrator | /admin/debug/trigger-error  |
      | through the API          | TriggeredTestError | Test error triggered by admin 'ada'      | /api/v1/debug/trigger-error |

  Scenario: With the flag targeted at a group, a member's error is e-mailed
    Given incident e-mails go to "ops@example.com"
    And the group "oncall" has the member Ada
    And the flag "incident_email_notifications" is on only for the group "oncall"
    When Ada triggers the test error through the API
    And the worker has handled the incident
    Then one incident e-mail has been sent, to "ops@example.com"
    And it names Ada as the user, the request's id, when the error happened and its traceback

  Scenario: With the flag targeted at a group, the error of someone outside it is not e-mailed
    Given incident e-mails go to "ops@example.com"
    And Bob is a customer
    And the group "oncall" has the member Bob
    And the flag "incident_email_notifications" is on only for the group "oncall"
    When Ada triggers the test error through the API
    Then Ada is answered with a server error that names the request's id
    When the worker has handled the incident
    Then no e-mail has been sent

  Scenario Outline: With the flag off, no e-mail is sent
    Given incident e-mails go to "ops@example.com"
    And the flag "incident_email_notifications" <state>
    When Ada triggers the test error through the API
    Then Ada is answered with a server error that names the request's id
    When the worker has handled the incident
    Then no e-mail has been sent

    Examples:
      | state           |
      | is switched off |
      | does not exist  |

  Scenario: With no recipients configured, nothing is sent and a warning is logged
    Given no incident recipients are configured
    And the flag "incident_email_notifications" is on for everyone
    When Ada triggers the test error through the API
    Then Ada is answered with a server error that names the request's id
    When the worker has handled the incident
    Then no e-mail has been sent
    And a warning says the incident of that request was not sent, for want of recipients
