@autotask @needs_seeding
Feature: Autotask: Require Login with KaseyaOne, User Exceptions and the Bypass URL
  With Require Login with KaseyaOne on, every user must sign in through KaseyaOne unless granted
  an exception; users with an exception (several can be picked at once) keep signing in with
  Autotask credentials, also through the Bypass URL, and users without one are refused there.
  Source: the Autotask document's sections "Require Login with Kaseya One" and "User Exceptions",
  and its steps for granting exceptions.

  Background:
    Given a KaseyaOne tenant with a master user
    And an Autotask instance with an administrator
    And the administrator has added the KaseyaOne integration to Autotask
    And an Autotask resource "carl" with Autotask credentials
    And an Autotask resource "dora" with Autotask credentials

  @at_req_1
  Scenario: With Require Login on, Autotask credentials are refused and KaseyaOne is offered
    Given the administrator has turned Require Login with KaseyaOne on
    When "carl" logs in to Autotask with Autotask credentials
    Then Autotask refuses the login with "kaseyaone_login_required"
    And the refusal offers Log In with KaseyaOne
    And "carl" is not signed in to Autotask

  @at_req_1
  Scenario: With Require Login on, a user still signs in through KaseyaOne
    Given a KaseyaOne user "ann" with access to Autotask
    And "ann" has an Autotask account
    And the administrator has turned Require Login with KaseyaOne on
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne

  @at_req_1 @at_req_2
  Scenario: A user granted an exception keeps signing in with Autotask credentials
    Given the administrator has turned Require Login with KaseyaOne on
    And the administrator has granted "carl" an exception
    When "carl" logs in to Autotask with Autotask credentials
    Then "carl" is signed in to Autotask with Autotask credentials

  @at_req_2
  Scenario: Several users are granted exceptions at once and use the Bypass URL
    Given the administrator has turned Require Login with KaseyaOne on
    When the administrator grants "carl, dora" exceptions at once
    Then the User Exceptions are "carl, dora"
    When "carl" uses the Bypass URL with Autotask credentials
    Then "carl" is signed in to Autotask through the Bypass URL
    When "dora" uses the Bypass URL with Autotask credentials
    Then "dora" is signed in to Autotask through the Bypass URL

  @at_req_2 @negative
  Scenario: A user without an exception is refused at the Bypass URL
    Given the administrator has turned Require Login with KaseyaOne on
    And the administrator has granted "carl" an exception
    When "dora" uses the Bypass URL with Autotask credentials
    Then Autotask refuses the login with "no_user_exception"
    And "dora" is not signed in to Autotask

  @at_req_2 @negative @interpretation
  Scenario: The Bypass URL is for users with an exception even while Require Login is off
    # Interpretation: the document names the Bypass URL only as the way users granted an
    # exception keep signing in; we refuse everyone else there, whatever Require Login says.
    When "dora" uses the Bypass URL with Autotask credentials
    Then Autotask refuses the login with "no_user_exception"

  @at_req_2 @negative
  Scenario: A wrong password is refused at the Bypass URL, exception or not
    Given the administrator has granted "carl" an exception
    When "carl" uses the Bypass URL with a wrong password
    Then Autotask refuses the login with "invalid_credentials"
    And "carl" is not signed in to Autotask

  @at_req_2 @negative @interpretation
  Scenario: A made-up Bypass URL leads nowhere
    # Interpretation: the Bypass URL is the instance's own and unguessable.
    When "carl" opens a made-up Bypass URL
    Then the Bypass URL is not found

  @at_req_2
  Scenario: Withdrawing an exception takes effect at the next login
    Given the administrator has turned Require Login with KaseyaOne on
    And the administrator has granted "carl, dora" exceptions at once
    When the administrator withdraws the exception of "carl"
    Then the User Exceptions are "dora"
    When "carl" logs in to Autotask with Autotask credentials
    Then Autotask refuses the login with "kaseyaone_login_required"

  @at_req_1 @negative @interpretation
  Scenario: An inactive resource with an exception is still refused
    # Interpretation (Autotask's help): an inactive resource cannot sign in by any path.
    Given the administrator has granted "carl" an exception
    And the administrator has made "carl" inactive in Autotask
    When "carl" uses the Bypass URL with Autotask credentials
    Then Autotask refuses the login with "resource_inactive"

  @at_req_1 @interpretation
  Scenario: A master user turns Require Login on for Autotask in Module Management, confirming it
    # Interpretation: as for UniView (UV-SYNC-3), turning Require Login on in Module Management
    # needs an extra confirmation; the settings are synced both ways.
    When the master user tries to turn Autotask's "Require Login with KaseyaOne" on in Module Management
    Then KaseyaOne refuses the change with "confirmation_required"
    When the master user turns Autotask's "Require Login with KaseyaOne" on in Module Management
    Then Autotask shows "Require Login with KaseyaOne" on
    When "carl" logs in to Autotask with Autotask credentials
    Then Autotask refuses the login with "kaseyaone_login_required"
