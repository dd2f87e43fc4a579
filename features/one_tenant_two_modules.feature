@autotask @uniview @kaseyaone @needs_seeding
Feature: One KaseyaOne tenant, two modules: UniView and Autotask
  KaseyaOne is the hub for all of a customer's modules: one tenant's users have access to some
  modules and not others, open each from its tile or from the app launcher of another, and a
  change in KaseyaOne reaches every module concerned; Module Management lists each module
  instance with its own settings and syncing state. Source: "About KaseyaOne" in the Autotask
  document, and the UniView document's Module Management.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration
    And an Autotask instance with an administrator
    And the administrator has added the KaseyaOne integration to Autotask

  @k1_hub_1 @k1_hub_3
  Scenario: A user with access to UniView only sees its tile only and is refused by Autotask
    Given a KaseyaOne user "ann" with access to the UniView module
    And "ann" has a UniView account with the role "monitor"
    And "ann" has an Autotask account
    When "ann" signs in to KaseyaOne
    Then KaseyaOne shows "ann" the UniView tile only
    When "ann" logs in to Autotask with KaseyaOne
    Then KaseyaOne refuses the login with "access_denied"
    And KaseyaOne did not ask "ann" for credentials
    And "ann" is not signed in to Autotask

  @k1_hub_1 @k1_hub_2 @at_sso_1
  Scenario: From Autotask's tile to Autotask, and from its app launcher to UniView, without signing in again
    Given a KaseyaOne user "ann" with access to the UniView module
    And "ann" has a UniView account with the role "monitor"
    And the master user grants "ann" access to Autotask
    And "ann" has an Autotask account
    When "ann" signs in to KaseyaOne
    Then KaseyaOne shows "ann" the tiles of UniView and Autotask
    When "ann" opens the Autotask tile
    Then "ann" is signed in to Autotask through KaseyaOne
    And KaseyaOne did not ask "ann" for credentials
    And Autotask shows "ann" the app launcher listing UniView only
    When "ann" opens UniView from Autotask's app launcher
    Then "ann" is signed in to UniView with KaseyaOne as "monitor"
    And KaseyaOne did not ask "ann" for credentials

  @k1_hub_2 @at_sso_3
  Scenario: Signed in to Autotask with Autotask credentials, a user sees the Kaseya icon
    Given an Autotask resource "carl" with Autotask credentials
    And "carl" has signed in to Autotask with Autotask credentials
    Then Autotask shows "carl" the Kaseya icon, which leads to KaseyaOne's login

  @uv_dep_1 @at_prov_1 @interpretation
  Scenario: One deactivation in KaseyaOne reaches both modules
    # Interpretation (Autotask): with Automatic User Provisioning on, a KaseyaOne user who is
    # deactivated is made inactive in Autotask.
    Given the superuser has turned Automatic User Deprovisioning on
    And a KaseyaOne user "ann" with access to the UniView module
    And "ann" has a UniView account with the role "monitor"
    And "ann" has logged in with KaseyaOne before
    And the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    And the master user grants "ann" access to Autotask
    When the master user deactivates "ann" in KaseyaOne
    Then the UniView account of "ann" is disabled
    And the Autotask account of "ann" is inactive

  @at_sec_1 @interpretation
  Scenario: Module Management lists both modules, each with its own settings and syncing state
    # Interpretation: Autotask's settings are synced with Module Management as UniView's are;
    # the orange clock shows for the instance whose change has not arrived yet, not the other.
    Given Autotask fails its next 2 calls from KaseyaOne
    When the master user turns Autotask's "Require Login with KaseyaOne" on in Module Management
    Then KaseyaOne's Module Management lists UniView and Autotask, each with its own settings
    And Module Management shows Autotask syncing and UniView in sync
    And Autotask shows "Require Login with KaseyaOne" off
    When half an hour passes for KaseyaOne and Autotask
    Then Module Management shows both modules in sync
    And Autotask shows "Require Login with KaseyaOne" on
