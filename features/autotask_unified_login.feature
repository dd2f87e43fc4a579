@autotask @needs_seeding
Feature: Autotask: Unified Login with KaseyaOne, beside Autotask credentials and LiveMobile
  An Autotask administrator adds the KaseyaOne integration (Admin > Extensions & Integrations >
  Kaseya Integrations > KaseyaOne); with Unified Login on, users sign in to Autotask through
  KaseyaOne, Autotask credentials keep working unless Require Login with KaseyaOne is on, and
  LiveMobile users are not allowed to sign in. Source: the Autotask document's table of sections
  ("Unified Login") and "About KaseyaOne" ("Using KaseyaOne single sign-on is optional").

  Background:
    Given a KaseyaOne tenant with a master user
    And an Autotask instance with an administrator
    And the administrator has added the KaseyaOne integration to Autotask

  @at_sso_1
  Scenario: A KaseyaOne user with access to Autotask signs in through KaseyaOne
    Given a KaseyaOne user "ann" with access to Autotask
    And "ann" has an Autotask account
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne
    And the Autotask login page offers Log In with KaseyaOne

  @at_sso_1
  Scenario: Adding the integration registers Autotask in KaseyaOne with Unified Login on
    Then KaseyaOne's Module Management shows Autotask's "Unified Login" on
    And KaseyaOne's Module Management shows Autotask's "Require Login with KaseyaOne" off
    And KaseyaOne shows the Autotask module instance in sync

  @at_sso_1 @negative
  Scenario: A KaseyaOne user without access to Autotask is refused by KaseyaOne
    Given a KaseyaOne user "bob" without access to Autotask
    And "bob" has an Autotask account
    When "bob" logs in to Autotask with KaseyaOne
    Then KaseyaOne refuses the login with "access_denied"
    And "bob" is not signed in to Autotask

  @at_sso_1 @negative
  Scenario: A KaseyaOne user with no Autotask account is told to ask the administrator
    Given a KaseyaOne user "ann" with access to Autotask
    When "ann" logs in to Autotask with KaseyaOne
    Then Autotask refuses the login with "no_autotask_account"
    And the refusal tells "ann" to ask the Autotask administrator
    And "ann" is not signed in to Autotask

  @at_sso_1 @negative @interpretation
  Scenario: An inactive resource cannot sign in through KaseyaOne either
    # Interpretation (Autotask's help): resources are never deleted, only made inactive, and an
    # inactive resource cannot sign in, by any path.
    Given a KaseyaOne user "ann" with access to Autotask
    And "ann" has an Autotask account
    And the administrator has made "ann" inactive in Autotask
    When "ann" logs in to Autotask with KaseyaOne
    Then Autotask refuses the login with "resource_inactive"
    And "ann" is not signed in to Autotask

  @at_sso_1 @negative @destructive
  Scenario: With Unified Login off, nobody signs in through KaseyaOne
    Given a KaseyaOne user "ann" with access to Autotask
    And "ann" has an Autotask account
    When the administrator turns Unified Login off
    And "ann" logs in to Autotask with KaseyaOne
    Then Autotask refuses the login with "unified_login_off"
    And the Autotask login page does not offer Log In with KaseyaOne

  @at_sso_2
  Scenario: With Unified Login on, a LiveMobile user is not allowed to sign in
    Given an Autotask resource "carl" with Autotask credentials
    When "carl" signs in to LiveMobile
    Then LiveMobile refuses "carl" with "livemobile_not_allowed"

  @at_sso_2 @destructive
  Scenario: Turning Unified Login off lets LiveMobile users sign in again
    Given an Autotask resource "carl" with Autotask credentials
    And the administrator has turned Unified Login off
    When "carl" signs in to LiveMobile
    Then "carl" is signed in to LiveMobile

  @at_sso_3
  Scenario: Autotask credentials keep working beside Unified Login
    Given an Autotask resource "carl" with Autotask credentials
    When "carl" logs in to Autotask with Autotask credentials
    Then "carl" is signed in to Autotask with Autotask credentials

  @at_sso_3
  Scenario: The same person may sign in either way
    Given a KaseyaOne user "ann" with access to Autotask
    And "ann" has an Autotask account
    When "ann" logs in to Autotask with Autotask credentials
    Then "ann" is signed in to Autotask with Autotask credentials
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne

  @at_sso_3 @negative
  Scenario: A wrong Autotask password is still refused
    Given an Autotask resource "carl" with Autotask credentials
    When "carl" logs in to Autotask with a wrong password
    Then Autotask refuses the login with "invalid_credentials"
    And "carl" is not signed in to Autotask
