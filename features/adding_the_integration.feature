@uniview @needs_seeding
Feature: Adding the KaseyaOne integration to UniView
  A superuser adds the KaseyaOne integration; UniView registers itself with KaseyaOne as a module
  instance and Log In with KaseyaOne is on from then on.
  Source: "Log In with KaseyaOne (Unified Login) - This feature was enabled upon adding the
  KaseyaOne integration to the UniView Portal" in the UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser

  @uv_sso_1
  Scenario: Adding the integration turns Log In with KaseyaOne on
    When the superuser adds the KaseyaOne integration as the master user
    Then the integration configuration shows Log In with KaseyaOne on
    And the UniView login page offers Log In with KaseyaOne
    And KaseyaOne lists the UniView module instance

  @uv_sso_1
  Scenario: Before the integration is added, UniView offers no KaseyaOne login
    Then the UniView login page does not offer Log In with KaseyaOne

  @uv_sec_1 @negative @interpretation
  Scenario: Adding the integration needs a KaseyaOne master user
    # Interpretation: the document has a KaseyaOne master user manage modules; we ask for one
    # when the integration is added, and refuse any other KaseyaOne user.
    Given a KaseyaOne user "frank" without access to the UniView module
    When the superuser adds the KaseyaOne integration as "frank"
    Then the change is refused with "kaseyaone_refused"
    And the KaseyaOne integration is not added

  @uv_sso_1 @negative
  Scenario: A wrong master user password adds nothing
    When the superuser adds the KaseyaOne integration with a wrong master user password
    Then the change is refused with "kaseyaone_refused"
    And the KaseyaOne integration is not added

  @uv_sso_1 @negative
  Scenario: The integration cannot be added twice
    Given the superuser has added the KaseyaOne integration
    When the superuser adds the KaseyaOne integration as the master user
    Then the change is refused with "integration_already_added"
