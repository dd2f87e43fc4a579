@uniview @needs_seeding @account_superuser @account_uniview_administrator @account_uniview_monitor
Feature: Require Login with KaseyaOne, exceptions and the log-in link
  With Require Login on, UniView credentials only work for users granted an exception, or through
  the log-in link shown in the integration configuration.
  Source: "To enable or disable Require Login with KaseyaOne" in the UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration
    And a UniView user "carol" with the role "administrator"
    And a UniView user "dave" with the role "monitor"

  @uv_req_1
  Scenario: With Require Login on, UniView credentials are refused and the user is pointed to KaseyaOne
    Given the superuser has turned Require Login on
    When "carol" logs in with UniView credentials
    Then UniView refuses the login with "kaseyaone_login_required"
    And the refusal offers Log In with KaseyaOne
    And "carol" is not signed in to UniView

  @uv_req_2
  Scenario: A user granted an exception still logs in with UniView credentials
    Given the superuser has turned Require Login on
    And the superuser has granted "carol" an exception
    When "carol" logs in with UniView credentials
    Then "carol" is signed in to UniView with UniView credentials
    When "dave" logs in with UniView credentials
    Then UniView refuses the login with "kaseyaone_login_required"

  @uv_req_2
  Scenario: Granting an exception takes effect at the next login
    Given the superuser has turned Require Login on
    And "carol" has been refused with UniView credentials
    When the superuser grants "carol" an exception
    And "carol" logs in with UniView credentials
    Then "carol" is signed in to UniView with UniView credentials

  @uv_req_2
  Scenario: Withdrawing an exception takes effect at the next login
    Given the superuser has turned Require Login on
    And the superuser has granted "carol" an exception
    And "carol" has logged in with UniView credentials
    When the superuser withdraws the exception of "carol"
    Then "carol" is still signed in to UniView
    When "carol" logs in with UniView credentials
    Then UniView refuses the login with "kaseyaone_login_required"

  @uv_req_3
  Scenario: The log-in link lets a user without an exception log in with UniView credentials
    Given the superuser has turned Require Login on
    When "dave" uses the log-in link with UniView credentials
    Then "dave" is signed in to UniView through the log-in link

  @uv_req_3 @interpretation @negative
  Scenario: The log-in link does not weaken the password check
    # Interpretation: the link bypasses Require Login only.
    Given the superuser has turned Require Login on
    When "dave" uses the log-in link with a wrong password
    Then UniView refuses the login with "invalid_credentials"
    And "dave" is not signed in to UniView

  @uv_req_3 @interpretation @negative
  Scenario: The log-in link does not let a disabled user in
    Given the superuser has turned Require Login on
    And the superuser has disabled "dave"
    When "dave" uses the log-in link with UniView credentials
    Then UniView refuses the login with "account_disabled"

  @uv_req_3 @interpretation @negative
  Scenario: A guessed log-in link is not a way in
    # Interpretation: the link is per tenant and unguessable.
    Given the superuser has turned Require Login on
    When "dave" opens a made-up log-in link
    Then the link is not found

  @uv_req_4
  Scenario Outline: With Require Login off, UniView credentials work for every active user
    When "<user>" logs in with UniView credentials
    Then "<user>" is signed in to UniView with UniView credentials

    Examples:
      | user  |
      | carol |
      | dave  |

  @uv_req_4
  Scenario: Turning Require Login off again restores UniView credentials for everyone
    Given the superuser has turned Require Login on
    And "dave" has been refused with UniView credentials
    When the superuser turns Require Login off
    And "dave" logs in with UniView credentials
    Then "dave" is signed in to UniView with UniView credentials

  @uv_req_4 @negative
  Scenario: A disabled UniView user cannot log in even with Require Login off
    Given the superuser has disabled "dave"
    When "dave" logs in with UniView credentials
    Then UniView refuses the login with "account_disabled"
