@autotask @needs_seeding
Feature: Autotask: adding the KaseyaOne integration
  An Autotask administrator (a security level with Admin permission) adds the integration under
  Admin > Extensions & Integrations > Kaseya Integrations > KaseyaOne with the credentials of a
  KaseyaOne master user; Autotask then appears in KaseyaOne's Module Management with Unified
  Login on. Source: the Autotask document's security notes and its section "Unified Login".

  Background:
    Given a KaseyaOne tenant with a master user
    And an Autotask instance with an administrator

  @at_sec_1 @at_sso_1
  Scenario: An administrator adds the integration with a master user's credentials
    When the administrator adds the KaseyaOne integration to Autotask as the master user
    Then KaseyaOne's Module Management shows Autotask's "Unified Login" on
    And the Autotask login page offers Log In with KaseyaOne

  @at_sec_1 @negative
  Scenario: Adding the integration needs a KaseyaOne master user's credentials
    Given a KaseyaOne user "ann" without access to Autotask
    When the administrator tries to add the KaseyaOne integration to Autotask as "ann"
    Then Autotask refuses the change with "kaseyaone_refused"
    And the Autotask login page does not offer Log In with KaseyaOne

  @at_sso_2 @interpretation
  Scenario: LiveMobile users are refused from the moment Unified Login is on
    # Interpretation: before the integration is added there is no Unified Login, and LiveMobile
    # signs in with Autotask credentials as always.
    Given an Autotask resource "carl" with Autotask credentials
    When "carl" signs in to LiveMobile
    Then "carl" is signed in to LiveMobile
    When the administrator adds the KaseyaOne integration to Autotask as the master user
    And "carl" signs in to LiveMobile
    Then LiveMobile refuses "carl" with "livemobile_not_allowed"
