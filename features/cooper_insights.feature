@uniview @needs_seeding @needs_clock
Feature: Cooper insights about UniView
  Once a UniView tenant has the KaseyaOne integration, KaseyaOne's Cooper raises Unitrends
  insights from what UniView reports: each when its trigger holds and none of its exclusions
  does, and none for a tenant added less than 7 days ago. A master user finds them in Cooper's
  To Do list, filters it to the Unitrends Module, snoozes them, and follows each one's action to
  the UniView page where it is resolved; resolved, it moves to Completed. Source: "Working with
  Cooper Insights in KaseyaOne" (the tables "Insight details" and "Resolving insights") in the
  UniView document. Interpretations (BEHAVIOURS.md): "tenant" is the UniView tenant; KaseyaOne
  evaluates UniView's telemetry once a day on the tenant's clock and whenever a report arrives;
  an appliance "not added to UniView" is one the tenant's Unitrends account reports with no
  UniView record yet.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser

  @uv_ins_1 @uv_ins_10
  Scenario: No appliance with Helix auto updates on, until the superuser turns them on
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser turns Helix auto updates off on the appliance "dr-1"
    Then Cooper's To Do list holds exactly "You could be missing out on critical updates"
    When the superuser turns Helix auto updates on for the appliance "dr-1"
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "You could be missing out on critical updates"

  @uv_ins_1 @uv_ins_4
  Scenario: An appliance with a protected asset that is not added to UniView holds two insights back
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    And the Unitrends account reports the appliance "dr-2", not added to UniView, protecting "db-server"
    When the superuser turns Helix auto updates off on the appliance "dr-1"
    And the superuser removes the backup copy job
    Then Cooper's To Do list is empty
    When the superuser adds the appliance "dr-2" to UniView
    Then Cooper's To Do list holds exactly "You could be missing out on critical updates, You are one incident away from total data loss!"

  @uv_ins_2 @uv_ins_10
  Scenario: No scheduled DCA job, until the superuser schedules one
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser takes the DCA job off its schedule
    Then Cooper's To Do list holds exactly "Automated backup testing"
    When the superuser creates a DCA job on "dr-1" scheduled "Daily at 04:00"
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "Automated backup testing"

  @uv_ins_3 @uv_ins_10
  Scenario: No backup alerting, until the superuser sets a conditional alarm threshold for backups
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser removes the conditional alarm for backups
    Then Cooper's To Do list holds exactly "You haven't set up backup alerting yet"
    When the superuser sets a conditional alarm for backups at 24 hours
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "You haven't set up backup alerting yet"

  @uv_ins_4 @uv_ins_10
  Scenario: No scheduled backup copy job, until the superuser creates one to a target
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser removes the backup copy job
    Then Cooper's To Do list holds exactly "You are one incident away from total data loss!"
    When the superuser creates a backup copy job on "dr-1" to "Amazon S3" scheduled "Daily at 05:00"
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "You are one incident away from total data loss!"

  @uv_ins_5 @uv_ins_10
  Scenario: No replication alerting, until the superuser sets a conditional alarm threshold for replication
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser removes the conditional alarm for replication
    Then Cooper's To Do list holds exactly "You haven't set up replication alerting yet"
    When the superuser sets a conditional alarm for replication at 48 hours
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "You haven't set up replication alerting yet"

  # With no PSA at all, nothing excludes "wrong inbox": it is raised beside "no PSA ticketing",
  # as the document's table reads; "automated ticket updates" is excluded.
  @uv_ins_6 @uv_ins_7 @uv_ins_8 @uv_ins_10
  Scenario: No PSA integrated, until the superuser integrates one
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser removes the PSA integration
    Then Cooper's To Do list holds exactly "You're losing time without PSA ticketing integration, Your tickets could be going to the wrong inbox"
    When the superuser integrates "autotask" with the Close Ticket Status "Complete"
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "You're losing time without PSA ticketing integration"

  @uv_ins_7 @uv_ins_10
  Scenario: No organization mapped to a PSA company, until the superuser maps one
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser unmaps the organization "Contoso" from its PSA company
    Then Cooper's To Do list holds exactly "Your tickets could be going to the wrong inbox"
    When the superuser maps the organization "Contoso" to the PSA company "Contoso Holdings"
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "Your tickets could be going to the wrong inbox"

  @uv_ins_7
  Scenario: A PSA integrated less than 7 days ago holds the wrong-inbox insight back until day 7
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser integrates "connectwise_manage" afresh, with the Close Ticket Status "Closed" and no organization mapped
    Then Cooper's To Do list is empty
    When 6 days pass
    Then Cooper's To Do list is empty
    When one more day passes
    Then Cooper's To Do list holds exactly "Your tickets could be going to the wrong inbox"

  @uv_ins_8 @uv_ins_10
  Scenario: The PSA does not close tickets by status, until the superuser sets a Close Ticket Status
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    When the superuser clears the PSA's Close Ticket Status
    Then Cooper's To Do list holds exactly "You could be saving more time with automated ticketing updates!"
    When the superuser sets the PSA's Close Ticket Status to "Resolved"
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "You could be saving more time with automated ticketing updates!"

  @uv_ins_1 @uv_ins_2 @uv_ins_3 @uv_ins_4 @uv_ins_5 @uv_ins_7 @uv_ins_8
  Scenario: A tenant added 6 days ago gets no insight; on day 7 it gets every one whose trigger holds
    Given the superuser has added the KaseyaOne integration
    And the superuser has integrated "bms" without a Close Ticket Status
    When 6 days pass
    Then Cooper's To Do list is empty
    When one more day passes
    Then Cooper's To Do list holds exactly "You could be missing out on critical updates, Automated backup testing, You haven't set up backup alerting yet, You are one incident away from total data loss!, You haven't set up replication alerting yet, Your tickets could be going to the wrong inbox, You could be saving more time with automated ticketing updates!"

  @uv_ins_9
  Scenario: A UniView tenant without the KaseyaOne integration gets no insight until it adds it
    When 30 days pass
    Then Cooper's To Do list is empty
    And KaseyaOne has no telemetry from UniView
    When the superuser adds the KaseyaOne integration as the master user
    Then Cooper's To Do list holds exactly "You could be missing out on critical updates, Automated backup testing, You haven't set up backup alerting yet, You are one incident away from total data loss!, You haven't set up replication alerting yet, You're losing time without PSA ticketing integration, Your tickets could be going to the wrong inbox"

  @uv_ins_9 @uv_ins_2 @uv_ins_10
  Scenario: The master user filters Cooper to the Unitrends Module and follows an insight's action to UniView
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    And the superuser has taken the DCA job off its schedule
    When the master user opens Cooper and filters it to the "Unitrends Module"
    Then Cooper's page lists "Automated backup testing" in To Do
    When the master user opens the insight "Automated backup testing"
    Then the insight's details show the component "Backup" and the action "Setup Recovery Assurance"
    When the superuser follows the insight's action
    Then the superuser is on UniView's "jobs" page
    When the superuser creates a DCA job there, scheduled "Daily at 02:00"
    Then Cooper's To Do list is empty
    And Cooper's Completed list holds "Automated backup testing"

  @uv_ins_10
  Scenario: A snoozed insight moves to Completed once its condition no longer holds
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    And the superuser has removed the conditional alarm for replication
    When the master user snoozes "You haven't set up replication alerting yet" in Cooper
    Then Cooper's Snoozed list holds "You haven't set up replication alerting yet"
    And Cooper's To Do list is empty
    When the superuser sets a conditional alarm for replication at 48 hours
    Then Cooper's Snoozed list is empty
    And Cooper's Completed list holds "You haven't set up replication alerting yet"

  # Interpretation: an insight whose condition comes back after it was completed is raised
  # again, as a new insight in To Do; the completed one stays in Completed.
  @uv_ins_10 @uv_ins_3 @interpretation
  Scenario: An insight is raised again when its condition comes back
    Given the superuser has added the KaseyaOne integration
    And UniView has had everything Cooper checks set up for 30 days
    And the superuser has removed the conditional alarm for backups
    And the superuser has set a conditional alarm for backups at 12 hours
    When the superuser removes the conditional alarm for backups
    Then Cooper's To Do list holds exactly "You haven't set up backup alerting yet"
    And Cooper's Completed list holds "You haven't set up backup alerting yet"
