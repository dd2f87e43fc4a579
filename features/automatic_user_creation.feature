@uniview @needs_seeding
Feature: Automatic User Creation (just-in-time provisioning)
  With Automatic User Creation on, a KaseyaOne user granted access to the UniView module gets a
  UniView account, with the configured default role, the first time they sign in through
  KaseyaOne. Source: "To enable or disable automatic user creation" in the UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration

  @uv_jit_1
  Scenario: A KaseyaOne user newly granted access gets an account at the first sign-in
    Given the superuser has turned Automatic User Creation on
    And a KaseyaOne user "erin" with access to the UniView module
    When "erin" logs in with KaseyaOne
    Then "erin" is signed in to UniView with KaseyaOne as "monitor"
    And the UniView account of "erin" is mapped to her KaseyaOne user

  @uv_jit_1
  Scenario: The account is created once and used at every later sign-in
    Given the superuser has turned Automatic User Creation on
    And a KaseyaOne user "erin" with access to the UniView module
    And "erin" has logged in with KaseyaOne before
    When "erin" logs in with KaseyaOne
    Then "erin" is signed in to UniView with KaseyaOne as "monitor"
    And UniView has exactly one account for "erin"

  @uv_jit_2 @account_superuser @account_user_without_account
  Scenario: With Automatic User Creation off, the user is told to ask an administrator
    Given a KaseyaOne user "erin" with access to the UniView module and no UniView account
    When "erin" logs in with KaseyaOne
    Then UniView refuses the login with "no_uniview_account"
    And the page tells "erin" to ask an administrator
    And UniView has no account for "erin"

  @uv_jit_3
  Scenario: A KaseyaOne user without access to the UniView module never gets an account
    Given the superuser has turned Automatic User Creation on
    And a KaseyaOne user "bob" without access to the UniView module
    When "bob" logs in with KaseyaOne
    Then KaseyaOne refuses the login with "access_denied"
    And "bob" is not signed in to UniView
    And UniView has no account for "bob"

  @uv_jit_4
  Scenario: An account gets the default role in force when it is created
    Given Automatic User Creation is on with the default role "administrator"
    And a KaseyaOne user "erin" with access to the UniView module
    And a KaseyaOne user "finn" with access to the UniView module
    When "erin" logs in with KaseyaOne
    And the superuser changes the default role to "monitor"
    And "finn" logs in with KaseyaOne
    Then "erin" is signed in to UniView with KaseyaOne as "administrator"
    And "finn" is signed in to UniView with KaseyaOne as "monitor"

  @uv_jit_5 @interpretation
  Scenario: KaseyaOne counts the users the UniView module instance has
    # Interpretation: the document only says new users may add charges to the KaseyaOne
    # invoice. KaseyaOne counts, per module instance, the users it has signed in to it.
    Given the superuser has turned Automatic User Creation on
    And a KaseyaOne user "erin" with access to the UniView module
    And a KaseyaOne user "finn" with access to the UniView module
    Then KaseyaOne counts 0 users for the UniView module instance
    When "erin" logs in with KaseyaOne
    Then KaseyaOne counts 1 users for the UniView module instance
