@autotask @needs_seeding
Feature: Autotask: Access Groups map KaseyaOne groups to Security Levels, in an order
  Access Groups assign each KaseyaOne group a Security Level within Autotask; a user in several
  mapped groups gets the Security Level of the first match in the mapping's order, which can be
  changed. Source: the Autotask document's section "Access Groups" and its note on dragging and
  dropping the groups.

  Background:
    Given a KaseyaOne tenant with a master user
    And KaseyaOne has the groups "Sales, Admins, Support"
    And an Autotask instance with an administrator
    And the administrator has added the KaseyaOne integration to Autotask
    And the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level

  @at_grp_1
  Scenario: Access Groups offer KaseyaOne's groups, read from KaseyaOne
    Then Autotask's Access Groups offer KaseyaOne's groups "Admins, Sales, Support"

  @at_grp_1
  Scenario: A mapped group's members sign in with its Security Level
    Given the administrator has turned Access Groups on, mapping "Sales to Manager"
    And a KaseyaOne user "ann" with access to Autotask
    And the master user has put "ann" in the groups "Sales" in KaseyaOne
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne
    And "ann" has the Security Level "Manager" in Autotask

  @at_grp_1 @at_prov_1
  Scenario: A user provisioned when granted access gets her group's Security Level at once
    Given the administrator has turned Access Groups on, mapping "Sales to Manager"
    And a KaseyaOne user "ann" without access to Autotask
    And the master user has put "ann" in the groups "Sales" in KaseyaOne
    When the master user grants "ann" access to Autotask
    Then "ann" has the Security Level "Manager" in Autotask

  @at_grp_1 @negative @interpretation
  Scenario: A user in no mapped group gets the default Security Level
    # Interpretation: with Access Groups on, a user in none of the mapped groups gets Automatic
    # User Provisioning's Default Security Level at each sign-in.
    Given the administrator has turned Access Groups on, mapping "Sales to Manager"
    And a KaseyaOne user "ann" with access to Autotask
    And the master user has put "ann" in the groups "Support" in KaseyaOne
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" has the Security Level "Team Member" in Autotask

  @at_grp_2
  Scenario: A user in several mapped groups gets the Security Level of the first match
    Given the administrator has turned Access Groups on, mapping "Sales to Manager, Admins to Full Access"
    And a KaseyaOne user "ann" with access to Autotask
    And the master user has put "ann" in the groups "Admins, Sales" in KaseyaOne
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" has the Security Level "Manager" in Autotask

  @at_grp_2
  Scenario: Reordering the groups changes the Security Level at the next sign-in
    Given the administrator has turned Access Groups on, mapping "Sales to Manager, Admins to Full Access"
    And a KaseyaOne user "ann" with access to Autotask
    And the master user has put "ann" in the groups "Admins, Sales" in KaseyaOne
    And "ann" has logged in to Autotask with KaseyaOne
    When the administrator reorders the Access Groups to "Admins to Full Access, Sales to Manager"
    Then "ann" has the Security Level "Manager" in Autotask
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" has the Security Level "Full Access" in Autotask

  @at_grp_2 @interpretation
  Scenario: The order changed in Module Management reaches Autotask and decides the next sign-in
    # Interpretation: Autotask's settings, the Access Groups mapping included, are synced both
    # ways with KaseyaOne's Module Management, as UniView's are.
    Given the administrator has turned Access Groups on, mapping "Sales to Manager, Admins to Full Access"
    And a KaseyaOne user "ann" with access to Autotask
    And the master user has put "ann" in the groups "Admins, Sales" in KaseyaOne
    When the master user reorders Autotask's Access Groups in Module Management to "Admins to Full Access, Sales to Manager"
    And "ann" logs in to Autotask with KaseyaOne
    Then "ann" has the Security Level "Full Access" in Autotask
    And Autotask shows its KaseyaOne configuration in sync
