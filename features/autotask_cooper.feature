@autotask @needs_seeding
Feature: Cooper insights about Autotask
  Autotask is integrated with the Cooper Intelligence Engine: Cooper sniffs out problems in an
  Autotask instance and presents them as Autotask-specific insights, each directly actionable:
  its Take Action button opens the Autotask page (a table) where the problem is addressed.
  Source: the Autotask document's last section (AT-INS-1). The document names no insight; the
  four here are interpretations, each read from what the document says or what Autotask knows
  (see the comment above each scenario). Autotask reports the facts they read to KaseyaOne when
  the integration is added and after each change that moves one; KaseyaOne evaluates them when
  a report arrives.

  Background:
    Given a KaseyaOne tenant with a master user
    And an Autotask instance with an administrator
    And the administrator has added the KaseyaOne integration to Autotask

  # Interpretation: "For security reasons, it is recommended that a low level of security is
  # used as the default" for Automatic User Provisioning; a Default Security Level with Admin
  # permission is an insight, addressed on the KaseyaOne integration's page.
  @at_ins_1 @interpretation
  Scenario: A Default Security Level with Admin permission, until the administrator picks a lower one where Take Action leads
    Given the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    Then Cooper's To Do list is empty
    When the administrator makes "Full Access" the default Security Level
    Then Cooper's To Do list holds exactly "New Autotask users get Admin permission"
    When the master user opens Cooper and filters it to the "Autotask Module"
    And the master user opens the insight "New Autotask users get Admin permission"
    Then the insight's details show the component "Automatic User Provisioning" and the action "Choose a lower Default Security Level"
    When the administrator takes the insight's action
    Then the administrator is on Autotask's "Admin > Extensions & Integrations > Kaseya Integrations > KaseyaOne" page, at its "default_security_level"
    When the administrator picks "Team Member" as the Default Security Level there and saves
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "New Autotask users get Admin permission"

  # Interpretation: with Access Groups on, each sign-in through KaseyaOne sets the Security
  # Level of the first mapped group the user is in, else the default (AT-GRP-1's
  # interpretation); with no group mapped, everyone gets the default: an insight.
  @at_ins_1 @at_grp_1 @interpretation
  Scenario: Access Groups on with no group mapped, until the administrator maps one where Take Action leads
    Given KaseyaOne has the groups "Sales, Support"
    When the administrator turns Access Groups on without mapping a group
    Then Cooper's To Do list holds exactly "Access Groups are on with no KaseyaOne group mapped"
    When the master user opens Cooper and filters it to the "Autotask Module"
    And the master user opens the insight "Access Groups are on with no KaseyaOne group mapped"
    Then the insight's details show the component "Access Groups" and the action "Map KaseyaOne groups to Security Levels"
    When the administrator takes the insight's action
    Then the administrator is on Autotask's "Admin > Extensions & Integrations > Kaseya Integrations > KaseyaOne" page, at its "access_group_mappings"
    When the administrator maps "Sales" to "Manager" there and saves
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "Access Groups are on with no KaseyaOne group mapped"

  # Interpretation: an inactive resource cannot sign in, so an active resource whose timesheet
  # or expense report approver is made inactive has nobody to approve what it submits; the
  # Approvers table of Admin > Resources is where an approver is assigned.
  @at_ins_1 @interpretation
  Scenario: Resources waiting for an inactive approver, until the administrator assigns another where Take Action leads
    Given an Autotask resource "tom" who approves timesheets and expense reports
    And an Autotask resource "ann" whose timesheets and expense reports "tom" approves
    When the administrator makes "tom" inactive in Autotask
    Then Cooper's To Do list holds exactly "Timesheets are waiting for an inactive approver, Expense reports are waiting for an inactive approver"
    When the master user opens Cooper and filters it to the "Autotask Module"
    And the master user opens the insight "Timesheets are waiting for an inactive approver"
    Then the insight's details show the component "Resources" and the action "Assign active timesheet approvers"
    When the administrator takes the insight's action
    Then the administrator is on Autotask's "Admin > Resources/Users (HR) > Resources" page, at its "approvers"
    And the Approvers table shows "ann" waiting for an inactive approver
    When the administrator makes "administrator" the timesheet approver of "ann" there
    Then Cooper's To Do list holds exactly "Expense reports are waiting for an inactive approver"
    And Cooper's Completed list holds "Timesheets are waiting for an inactive approver"

  # Interpretation, as above: making the approver active again resolves both; a snoozed
  # insight moves to Completed too (UV-INS-10 holds for every module).
  @at_ins_1 @interpretation
  Scenario: A snoozed approver insight moves to Completed when the approver is active again
    Given an Autotask resource "tom" who approves timesheets and expense reports
    And an Autotask resource "ann" whose timesheets and expense reports "tom" approves
    And the administrator has made "tom" inactive in Autotask
    When the master user snoozes "Expense reports are waiting for an inactive approver" in Cooper
    Then Cooper's Snoozed list holds "Expense reports are waiting for an inactive approver"
    When the administrator makes "tom" active again in Autotask
    Then Cooper's To Do list is empty
    And Cooper's Snoozed list is empty
    And Cooper's Completed list holds "Timesheets are waiting for an inactive approver, Expense reports are waiting for an inactive approver"

  @at_ins_1 @uv_ins_9 @uniview @needs_clock
  Scenario: A tenant with UniView and Autotask sees each module's insights under it, and Cooper filters them by module
    Given a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    And the superuser has removed the conditional alarm for replication
    And the administrator has turned Access Groups on without mapping a group
    Then Cooper's To Do list holds exactly "You haven't set up replication alerting yet, Access Groups are on with no KaseyaOne group mapped"
    And Cooper lists "You haven't set up replication alerting yet" under the "Unitrends Module"
    And Cooper lists "Access Groups are on with no KaseyaOne group mapped" under the "Autotask Module"
    When the master user opens Cooper and filters it to the "Autotask Module"
    Then Cooper's page lists exactly "Access Groups are on with no KaseyaOne group mapped"
    When the master user filters Cooper to the "Unitrends Module" instead
    Then Cooper's page lists exactly "You haven't set up replication alerting yet"
