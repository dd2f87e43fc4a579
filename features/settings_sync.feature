@uniview @needs_seeding
Feature: The integration's settings, pushed between UniView and KaseyaOne
  A change made on either side is pushed to the other, and shows as syncing until it has
  arrived. In KaseyaOne, a master user changes the settings in Admin Settings > Module
  Management. Source: "The configuration change you made is pushed to KaseyaOne" and "To
  configure centralized user management from the KaseyaOne UI" in the UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration

  @uv_sync_1 @account_superuser @account_master_user
  Scenario: A change made in UniView reaches KaseyaOne's Module Management
    When the superuser tries to turn "automatic_user_creation" on
    Then KaseyaOne's Module Management shows "automatic_user_creation" on
    And UniView shows the configuration in sync

  @uv_sync_1 @needs_faults @needs_clock
  Scenario: Until KaseyaOne has it, UniView shows the change as syncing
    Given KaseyaOne fails its next 3 calls from modules
    When the superuser tries to turn "automatic_user_creation" on
    Then UniView shows the configuration syncing
    And KaseyaOne's Module Management shows "automatic_user_creation" off
    When half an hour passes, ten minutes at a time
    Then UniView shows the configuration in sync
    And KaseyaOne's Module Management shows "automatic_user_creation" on

  @uv_sync_2 @account_superuser @account_master_user
  Scenario: A master user changes the settings in Module Management and UniView shows them
    When the master user turns "automatic_user_deprovisioning" on in Module Management
    Then the integration configuration shows "automatic_user_deprovisioning" on
    And KaseyaOne shows the UniView module instance in sync

  @uv_sync_2 @needs_faults @needs_clock
  Scenario: Until UniView has it, KaseyaOne shows the change as syncing
    Given UniView fails its next 2 calls from KaseyaOne
    When the master user turns "automatic_user_deprovisioning" on in Module Management
    Then KaseyaOne shows the UniView module instance syncing
    And the integration configuration shows "automatic_user_deprovisioning" off
    When half an hour passes, ten minutes at a time
    Then KaseyaOne shows the UniView module instance in sync
    And the integration configuration shows "automatic_user_deprovisioning" on

  @uv_sync_2 @uv_sso_4 @account_superuser @account_master_user
  Scenario: The dependency rules hold when the change is made in KaseyaOne
    Given Log In with KaseyaOne is off
    When the master user confirms turning "require_login" on in Module Management
    Then KaseyaOne refuses the change with "kaseyaone_login_disabled"

  @uv_sync_3 @interpretation @account_superuser @account_master_user
  Scenario Outline: Some changes in Module Management need an extra confirmation
    # Interpretation: turning Log In with KaseyaOne off and Require Login on need it.
    When the master user tries to turn "<setting>" <state> in Module Management
    Then KaseyaOne refuses the change with "confirmation_required"
    When the master user confirms turning "<setting>" <state> in Module Management
    Then the integration configuration shows "<setting>" <state>

    Examples:
      | setting              | state |
      | login_with_kaseyaone | off   |
      | require_login        | on    |

  @uv_sync_4 @account_superuser @account_user_without_access
  Scenario: Only a KaseyaOne master user changes Module Management
    Given a KaseyaOne user "frank" without access to the UniView module
    When "frank" tries to turn "require_login" on in Module Management
    Then KaseyaOne refuses the change with "master_user_required"
    And the integration configuration shows "require_login" off

  @uv_sync_4 @uv_sec_1 @account_superuser @account_uniview_administrator
  Scenario: Only a UniView superuser changes the configuration in UniView
    Given "carol" is signed in with UniView credentials as a UniView "administrator"
    Then "carol" cannot change the integration configuration
