@uniview @needs_seeding @destructive
Feature: Resetting the KaseyaOne integration
  A superuser can copy the list of the integration's users, then reset: the integration and its
  user mappings leave UniView and the UniView module instance leaves KaseyaOne.
  Source: "Resetting the KaseyaOne integration" in the UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration
    And a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    And "alice" has logged in with KaseyaOne before

  @uv_reset_2
  Scenario: Before resetting, the superuser copies the list of the integration's users
    When the superuser copies the list of the integration's users
    Then the list names "alice" with her KaseyaOne user, as JSON and as CSV

  @uv_reset_1
  Scenario: Resetting removes the integration and its mappings from UniView, and the instance from KaseyaOne
    When the superuser resets the integration
    Then the KaseyaOne integration is not added
    And the UniView account of "alice" is mapped to no KaseyaOne user

  @uv_reset_3 @interpretation
  Scenario: After a reset nobody signs in through KaseyaOne, UniView credentials still work, and the integration can be added again
    # Interpretation: sessions opened through KaseyaOne end at the reset.
    When the superuser resets the integration
    Then "alice" is not signed in to UniView
    And the UniView login page does not offer Log In with KaseyaOne
    When "alice" logs in with UniView credentials
    Then "alice" is signed in to UniView with UniView credentials
    When the superuser adds the KaseyaOne integration as the master user
    And the master user grants "alice" access to the new UniView module instance
    And "alice" logs in with KaseyaOne
    Then "alice" is signed in to UniView with KaseyaOne as "monitor"

  @uv_reset_1 @interpretation @needs_faults
  Scenario: With KaseyaOne down, a reset removes nothing and says so
    # Interpretation: KaseyaOne removes the instance first; if it cannot, UniView keeps
    # everything and the superuser is told to try again.
    Given KaseyaOne fails its next 1 calls from modules
    When the superuser tries to reset the integration
    Then the change is refused with "kaseyaone_unavailable"
    And the integration configuration shows Log In with KaseyaOne on
    And the UniView account of "alice" is mapped to her KaseyaOne user
