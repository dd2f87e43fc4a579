@uniview @needs_seeding @account_superuser
Feature: The KaseyaOne integration's configuration in UniView
  Log In with KaseyaOne must be on for any other centralized-user-management setting, and only a
  superuser sees and changes Settings > Integrations.
  Source: "To disable or re-enable Login with KaseyaOne" and the NOTEs under each setting in the
  UniView document.

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration

  @uv_sso_3 @destructive
  Scenario: Turning Log In with KaseyaOne off turns every other setting off
    Given the superuser has turned on Require Login, Automatic User Creation, Automatic User Deprovisioning and Access Groups
    When the superuser turns Log In with KaseyaOne off
    Then the integration configuration shows these settings off:
      | setting                       |
      | login_with_kaseyaone          |
      | require_login                 |
      | automatic_user_creation       |
      | automatic_user_deprovisioning |
      | access_groups                 |

  @uv_sso_3 @uv_sso_4 @destructive
  Scenario Outline: While Log In with KaseyaOne is off, the other settings cannot be turned on
    Given Log In with KaseyaOne is off
    When the superuser tries to turn "<setting>" on
    Then the change is refused with "kaseyaone_login_disabled"
    And the integration configuration shows "<setting>" off

    Examples:
      | setting                       |
      | require_login                 |
      | automatic_user_creation       |
      | automatic_user_deprovisioning |
      | access_groups                 |

  @uv_sso_3 @destructive
  Scenario: The settings page shows the other settings locked while Log In with KaseyaOne is off
    Given Log In with KaseyaOne is off
    When the superuser opens Settings > Integrations
    Then the other centralized user management settings cannot be ticked

  @uv_sso_4 @destructive
  Scenario: Once Log In with KaseyaOne is on again, the other settings can be turned on
    Given Log In with KaseyaOne is off
    When the superuser turns Log In with KaseyaOne on
    And the superuser tries to turn "require_login" on
    Then the integration configuration shows "require_login" on

  @uv_sso_4 @destructive
  Scenario: Log In with KaseyaOne and another setting can be turned on in one change
    Given Log In with KaseyaOne is off
    When the superuser turns Log In with KaseyaOne and Require Login on in one change
    Then the integration configuration shows "require_login" on

  @uv_sec_1 @account_uniview_administrator @account_uniview_monitor
  Scenario Outline: Only a superuser sees and changes Settings > Integrations
    Given "carol" is signed in with UniView credentials as a UniView "<role>"
    When "carol" opens Settings > Integrations
    Then "carol" is refused with "superuser_required"
    And "carol" cannot change the integration configuration

    Examples:
      | role          |
      | administrator |
      | monitor       |

  @uv_sec_1
  Scenario: A superuser sees the KaseyaOne configuration and its log-in link
    When the superuser opens Settings > Integrations
    Then the page shows the KaseyaOne configuration with a log-in link
