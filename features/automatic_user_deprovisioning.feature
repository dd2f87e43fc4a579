@uniview @needs_seeding
Feature: Automatic User Deprovisioning
  With Automatic User Deprovisioning on, KaseyaOne pushes lifecycle changes to UniView (SCIM 2.0):
  a user deactivated in KaseyaOne, or who loses access to the UniView module, is disabled in
  UniView; a user deleted in KaseyaOne is deleted, or disabled where deleting is not an option.
  Source: "To enable or disable automatic user deprovisioning" in the UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration
    And a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    And "alice" has logged in with KaseyaOne before

  @uv_dep_1 @uv_dep_5
  Scenario: A user deactivated in KaseyaOne is disabled in UniView and loses her session
    Given the superuser has turned Automatic User Deprovisioning on
    When the master user deactivates "alice" in KaseyaOne
    Then the UniView account of "alice" is disabled
    And "alice" is not signed in to UniView

  @uv_dep_1 @interpretation
  Scenario: A user re-activated in KaseyaOne is enabled in UniView again
    # Interpretation: the document speaks of deactivation only; re-activation undoes it.
    Given the superuser has turned Automatic User Deprovisioning on
    And the master user deactivates "alice" in KaseyaOne
    When the master user re-activates "alice" in KaseyaOne
    Then the UniView account of "alice" is active
    And "alice" can log in with KaseyaOne again

  @uv_dep_2
  Scenario: A user deleted in KaseyaOne is deleted in UniView
    Given the superuser has turned Automatic User Deprovisioning on
    When the master user deletes "alice" in KaseyaOne
    Then UniView has no account for "alice"

  @uv_dep_2 @interpretation
  Scenario: Where deleting is not an option, the user is disabled instead
    # Interpretation: deleting is not an option for the tenant's last active superuser.
    Given the superuser has turned Automatic User Deprovisioning on
    And the superuser has a KaseyaOne account with access to the UniView module and has used it
    When the master user deletes the superuser in KaseyaOne
    Then KaseyaOne reports that UniView disabled the superuser instead of deleting them
    And the superuser's UniView credentials are refused with "account_disabled"

  @uv_dep_3
  Scenario: A user who loses access to the UniView module is disabled in UniView
    Given the superuser has turned Automatic User Deprovisioning on
    When the master user withdraws the UniView access of "alice"
    Then the UniView account of "alice" is disabled
    And "alice" is not signed in to UniView

  @uv_dep_4
  Scenario Outline: With Automatic User Deprovisioning off, nothing reaches UniView
    When the master user <change>
    Then the UniView account of "alice" is active
    And KaseyaOne has pushed nothing to UniView

    Examples:
      | change                                 |
      | deactivates "alice" in KaseyaOne       |
      | deletes "alice" in KaseyaOne           |
      | withdraws the UniView access of "alice" |

  @uv_dep_5 @interpretation
  Scenario: A disabled UniView user cannot sign in by any path
    Given the superuser has turned Automatic User Deprovisioning on
    When the master user withdraws the UniView access of "alice"
    Then "alice" cannot log in by any path
    # UniView credentials, the log-in link, and Log In with KaseyaOne

  @uv_dep_1 @needs_faults @needs_clock
  Scenario: A deactivation made while UniView is down arrives once when it is back
    Given the superuser has turned Automatic User Deprovisioning on
    And UniView fails its next 5 SCIM calls
    When the master user deactivates "alice" in KaseyaOne
    Then the UniView account of "alice" is active
    When an hour passes on KaseyaOne's clock, ten minutes at a time
    Then the UniView account of "alice" is disabled
    And KaseyaOne delivered the change once, after 6 attempts
    And UniView's journal shows 5 refused SCIM calls before the change was applied once

  @uv_dep_1 @needs_faults @needs_clock
  Scenario: A deactivation whose push UniView drops without an answer arrives once on a retry
    Given the superuser has turned Automatic User Deprovisioning on
    And UniView drops the connection on its next 2 SCIM calls
    When the master user deactivates "alice" in KaseyaOne
    Then the UniView account of "alice" is active
    When an hour passes on KaseyaOne's clock, ten minutes at a time
    Then the UniView account of "alice" is disabled
    And KaseyaOne delivered the change once, after 3 attempts
    And UniView's journal shows 2 dropped SCIM calls before the change was applied once
