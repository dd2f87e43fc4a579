@autotask @needs_seeding
Feature: Autotask: Automatic User Provisioning and its required defaults
  With Automatic User Provisioning on, KaseyaOne users granted access to Autotask get an Autotask
  account with the default settings; the default Security Level, Timesheet Approver, Department,
  Expense Report Approver and Role are all required; an Autotask user with the same email
  address is linked, not duplicated. Source: the Autotask document's section "Automatic User
  Provisioning" and its notes.

  Background:
    Given a KaseyaOne tenant with a master user
    And an Autotask instance with an administrator
    And the administrator has added the KaseyaOne integration to Autotask

  @at_prov_2 @negative
  Scenario Outline: Each of the five defaults is required, and a missing one is named
    When the administrator turns Automatic User Provisioning on without the "<default>"
    Then the refusal names the "<default>" and no other setting
    And KaseyaOne's Module Management shows Autotask's "Automatic User Provisioning" off

    Examples:
      | default                         |
      | Default Security Level          |
      | Default Timesheet Approver      |
      | Default Department              |
      | Default Expense Report Approver |
      | Default Role                    |

  @at_prov_2
  Scenario: With its five defaults, Automatic User Provisioning turns on, in Autotask and in KaseyaOne
    When the administrator turns Automatic User Provisioning on with every default
    Then Autotask shows "Automatic User Provisioning" on
    And KaseyaOne's Module Management shows Autotask's "Automatic User Provisioning" on
    And KaseyaOne shows the Autotask module instance in sync
    And Module Management offers Autotask's own Security Levels, approvers, departments and roles

  @at_prov_2 @negative
  Scenario: Module Management refuses Automatic User Provisioning without the defaults too
    When the master user tries to turn Autotask's "Automatic User Provisioning" on in Module Management
    Then KaseyaOne refuses the change naming "Default Security Level"
    And Autotask shows "Automatic User Provisioning" off

  @at_prov_1 @interpretation
  Scenario: A KaseyaOne user granted access to Autotask gets an account with the defaults
    # Interpretation: the account is created when access is granted ("Users that are granted
    # access to Autotask within KaseyaOne will automatically have an Autotask user account
    # created"), unlike UniView's creation at the first sign-in.
    Given the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    And a KaseyaOne user "ann" without access to Autotask
    When the master user grants "ann" access to Autotask
    Then Autotask has an account for "ann" with the default settings
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne
    And "ann" has the Security Level "Team Member" in Autotask

  @at_prov_1 @interpretation
  Scenario: A user granted access before provisioning was on gets her account at her first sign-in
    # Interpretation: the account exists at the latest at the user's first sign-in through
    # KaseyaOne.
    Given a KaseyaOne user "ann" with access to Autotask
    And the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    Then Autotask has no account for "ann"
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne
    And Autotask has an account for "ann" with the default settings

  @at_prov_1 @negative
  Scenario: With Automatic User Provisioning off, a user granted access gets no account
    Given a KaseyaOne user "ann" without access to Autotask
    When the master user grants "ann" access to Autotask
    Then Autotask has no account for "ann"
    When "ann" logs in to Autotask with KaseyaOne
    Then Autotask refuses the login with "no_autotask_account"

  @at_prov_3
  Scenario: A granted user whose email address an Autotask user has is linked, not duplicated
    Given the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    And a KaseyaOne user "ann" without access to Autotask
    And "ann" has an Autotask account under the user name "ann-local"
    When the master user grants "ann" access to Autotask
    Then Autotask has exactly one account for "ann", linked to her KaseyaOne user
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne

  @at_prov_3
  Scenario: Without provisioning, the first sign-in links the Autotask user with the same email address
    Given a KaseyaOne user "ann" with access to Autotask
    And "ann" has an Autotask account under the user name "ann-local"
    When "ann" logs in to Autotask with KaseyaOne
    Then "ann" is signed in to Autotask through KaseyaOne
    And Autotask has exactly one account for "ann", linked to her KaseyaOne user

  @at_prov_1 @interpretation
  Scenario: A KaseyaOne user deactivated, re-activated or deleted is made inactive or active, never deleted
    # Interpretation: the document names no deprovisioning setting for Autotask; with Automatic
    # User Provisioning on, KaseyaOne makes the resource inactive when the user is deactivated,
    # deleted or loses access, and active again when re-activated (Autotask never deletes one).
    Given the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    And a KaseyaOne user "ann" with access to Autotask
    And the master user deactivates "ann" in KaseyaOne
    Then the Autotask account of "ann" is inactive
    When the master user re-activates "ann" in KaseyaOne
    Then the Autotask account of "ann" is active
    When the master user deletes "ann" in KaseyaOne
    Then the Autotask account of "ann" is inactive
    And KaseyaOne pushed no deletion to Autotask, only making the resource inactive

  @at_prov_1 @interpretation
  Scenario: Losing access to Autotask in KaseyaOne makes the resource inactive
    # Interpretation, as above.
    Given the administrator has turned Automatic User Provisioning on with "Team Member" as the default Security Level
    And a KaseyaOne user "ann" with access to Autotask
    When the master user withdraws the Autotask access of "ann"
    Then the Autotask account of "ann" is inactive
    When "ann" logs in to Autotask with KaseyaOne
    Then KaseyaOne refuses the login with "access_denied"
