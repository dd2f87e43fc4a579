@autotask @needs_seeding
Feature: Autotask: what KaseyaOne shares with Autotask, and who may configure the integration
  Only the username and the access level are synchronized between KaseyaOne and Autotask;
  configuring the integration needs the Admin security level in Autotask, and KaseyaOne's side a
  master user. Source: the Autotask document's security notes and its "WICHTIG" on the data
  passed between KaseyaOne and Autotask.

  Background:
    Given a KaseyaOne tenant with a master user
    And KaseyaOne has the groups "Sales"
    And an Autotask instance with an administrator
    And the administrator has added the KaseyaOne integration to Autotask

  @at_data_1 @needs_journal
  Scenario: Pushes and sign-ins carry only the username and the access level
    Given the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    And the administrator has turned Access Groups on, mapping "Sales to Manager"
    And a KaseyaOne user "ann" without access to Autotask
    And the master user has put "ann" in the groups "Sales" in KaseyaOne
    When the master user grants "ann" access to Autotask
    And "ann" logs in to Autotask with KaseyaOne
    Then the ID token Autotask received for "ann" carried only her username and access level
    And KaseyaOne's ID token and userinfo for an Autotask client tell only the username and access level of "ann"
    When the master user deactivates "ann" in KaseyaOne
    Then every push Autotask received from KaseyaOne carried only the username and access level

  @at_sec_1
  Scenario: A resource with Admin permission sees the integration and its Bypass URL
    When "administrator" opens Admin > Extensions & Integrations > KaseyaOne
    Then the page shows the KaseyaOne integration with its Bypass URL

  @at_sec_1 @negative
  Scenario: A resource without Admin permission can neither see nor change the integration
    Given "tom" is signed in to Autotask with the security level "Manager"
    When "tom" opens Admin > Extensions & Integrations > KaseyaOne
    Then Autotask refuses "tom" the page with "admin_required"
    When "tom" tries to turn Require Login with KaseyaOne on in Autotask
    Then Autotask refuses the change with "admin_required"
    And KaseyaOne's Module Management shows Autotask's "Require Login with KaseyaOne" off

  @at_sec_1 @negative
  Scenario: Only a KaseyaOne master user changes Autotask's settings in Module Management
    Given a KaseyaOne user "ann" without access to Autotask
    When "ann" tries to change Autotask's settings in Module Management
    Then KaseyaOne refuses the change with "master_user_required"
    And Autotask shows "Require Login with KaseyaOne" off
