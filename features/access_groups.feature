@uniview @needs_seeding
Feature: Access Groups (role-based access control)
  With Access Groups on, UniView imports the tenant's KaseyaOne groups, keeps them in sync every
  four hours, and sets a user's groups to their KaseyaOne groups at each KaseyaOne sign-in.
  Groups decide which organizations' data a user sees. Source: "To enable or disable access
  groups" in the UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration
    And KaseyaOne has the groups "Support, Sales"

  @uv_grp_1 @needs_clock
  Scenario: Turning Access Groups on imports KaseyaOne's groups within four hours
    When the superuser turns Access Groups on
    Then UniView has no groups imported from KaseyaOne yet
    And the Groups page says the first import is scheduled
    When four hours pass
    Then UniView's groups imported from KaseyaOne are "Sales, Support"

  @uv_grp_1 @uv_sync_2 @needs_clock
  Scenario: Access Groups turned on in KaseyaOne's Module Management imports the groups too
    When the master user turns "access_groups" on in Module Management
    And four hours pass
    Then UniView's groups imported from KaseyaOne are "Sales, Support"

  @uv_grp_2 @needs_clock
  Scenario: Imported groups are mapped to no organization until a superuser maps them
    Given a UniView organization "Contoso" with the appliance "contoso-dr-1"
    And Access Groups is on and KaseyaOne's groups have been imported
    Then the group "Support" is mapped to no organization
    When the superuser maps the group "Support" to the organization "Contoso"
    And the superuser adds the organization "Fabrikam" mapped to "Sales"
    Then the group "Support" is mapped to "Contoso"
    And the group "Sales" is mapped to "Fabrikam"

  @uv_grp_3 @needs_clock
  Scenario: While Access Groups is on, the Groups page is view-only
    Given a UniView group "Night shift" added by hand
    And Access Groups is on and KaseyaOne's groups have been imported
    When the superuser tries to add the group "Weekend"
    Then UniView refuses the change with "groups_managed_by_kaseyaone"
    When the superuser tries to rename the group "Night shift" to "Nights"
    Then UniView refuses the change with "groups_managed_by_kaseyaone"
    When the superuser tries to remove the group "Support"
    Then UniView refuses the change with "groups_managed_by_kaseyaone"
    And the Groups page is view-only and lists "Night shift" as added in UniView

  @uv_grp_4 @needs_clock
  Scenario: Every four hours the groups sync: new ones added, gone ones removed, hand-added kept
    Given a UniView group "Night shift" added by hand
    And Access Groups is on and KaseyaOne's groups have been imported
    When the master user adds the group "Finance" in KaseyaOne
    And the master user deletes the group "Sales" in KaseyaOne
    Then UniView's groups imported from KaseyaOne are "Sales, Support"
    When four hours pass
    Then UniView's groups imported from KaseyaOne are "Finance, Support"
    And UniView still has the group "Night shift" added by hand

  @uv_grp_4 @uv_grp_2 @needs_clock
  Scenario: A group renamed in KaseyaOne is renamed in UniView and stays mapped
    Given a UniView organization "Contoso" with the appliance "contoso-dr-1"
    And Access Groups is on and KaseyaOne's groups have been imported
    And the superuser has mapped the group "Support" to the organization "Contoso"
    When the master user renames the group "Support" to "Customer Support" in KaseyaOne
    And four hours pass
    Then UniView's groups imported from KaseyaOne are "Customer Support, Sales"
    And the group "Customer Support" is mapped to "Contoso"

  @uv_grp_4 @needs_clock @needs_faults
  Scenario: A sync while KaseyaOne is failing changes nothing, and the next one catches up
    Given Access Groups is on and KaseyaOne's groups have been imported
    And the master user adds the group "Finance" in KaseyaOne
    And KaseyaOne fails its next 1 calls for groups
    When four hours pass
    Then the Groups page says the last sync failed
    And UniView's groups imported from KaseyaOne are "Sales, Support"
    When four hours pass
    Then the Groups page says the last sync worked
    And UniView's groups imported from KaseyaOne are "Finance, Sales, Support"

  @uv_grp_5 @needs_clock
  Scenario: Each KaseyaOne sign-in sets the user's groups to their KaseyaOne groups
    Given Access Groups is on and KaseyaOne's groups have been imported
    And a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    And the master user has put "alice" in the groups "Support, Sales" in KaseyaOne
    When "alice" logs in with KaseyaOne
    Then "alice" is in the UniView groups "Sales, Support"
    When the master user removes "alice" from the group "Sales" in KaseyaOne
    And "alice" logs in with KaseyaOne
    Then "alice" is in the UniView groups "Support"

  @uv_grp_5 @needs_clock
  Scenario: A group new in KaseyaOne since the last sync comes with the user at sign-in
    Given Access Groups is on and KaseyaOne's groups have been imported
    And a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    And the master user adds the group "Finance" in KaseyaOne
    And the master user has put "alice" in the groups "Finance" in KaseyaOne
    When "alice" logs in with KaseyaOne
    Then "alice" is in the UniView groups "Finance"
    And UniView's groups imported from KaseyaOne are "Finance, Sales, Support"

  @uv_grp_5 @interpretation @needs_clock
  Scenario: A group given by hand in UniView stays with the user at sign-in
    # Interpretation: the sign-in sets the user's KaseyaOne groups; groups added by hand in
    # UniView belong to UniView, as the sync leaves them alone.
    Given a UniView group "Night shift" added by hand
    And a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    And the superuser has put "alice" in the UniView group "Night shift"
    And Access Groups is on and KaseyaOne's groups have been imported
    And the master user has put "alice" in the groups "Support" in KaseyaOne
    When "alice" logs in with KaseyaOne
    Then "alice" is in the UniView groups "Night shift, Support"

  @uv_grp_6 @needs_clock
  Scenario: A user sees exactly the organizations their groups are mapped to
    Given a UniView organization "Contoso" with the appliance "contoso-dr-1"
    And a UniView organization "Fabrikam" with the appliance "fabrikam-dr-1"
    And Access Groups is on and KaseyaOne's groups have been imported
    And the superuser has mapped the group "Support" to the organization "Contoso"
    And a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    And the master user has put "alice" in the groups "Support" in KaseyaOne
    When "alice" logs in with KaseyaOne
    Then "alice" sees the data of exactly the organizations "Contoso"
    And "alice" sees the appliance "contoso-dr-1"

  @uv_grp_6 @needs_clock
  Scenario: A user whose groups are mapped to no organization sees no organization's data
    Given a UniView organization "Contoso" with the appliance "contoso-dr-1"
    And Access Groups is on and KaseyaOne's groups have been imported
    And the superuser has mapped the group "Support" to the organization "Contoso"
    And a KaseyaOne user "bob" with access to the UniView module
    And "bob" has a UniView account with the role "administrator"
    And the master user has put "bob" in the groups "Sales" in KaseyaOne
    When "bob" logs in with KaseyaOne
    Then "bob" sees no organization's data

  @uv_grp_7 @needs_clock
  Scenario: Turning Access Groups off hands the groups back to UniView and stops the sync
    Given Access Groups is on and KaseyaOne's groups have been imported
    When the superuser turns Access Groups off
    Then the superuser can add the group "Weekend"
    And the superuser can rename the group "Support" to "Helpdesk"
    When the master user adds the group "Finance" in KaseyaOne
    And eight hours pass
    Then UniView has no group "Finance"
    And UniView has the group "Helpdesk"
