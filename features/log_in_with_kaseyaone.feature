@uniview @needs_seeding
Feature: Log In with KaseyaOne
  UniView Portal users sign in through KaseyaOne (OpenID Connect authorization-code flow) once a
  superuser has added the KaseyaOne integration to their UniView tenant.
  Source: "Configuring KaseyaOne centralized user management" and "To disable or re-enable Login
  with KaseyaOne" in the UniView document. Scenarios with account_* tags also run on a target's
  provisioned accounts (see the README).

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration

  @uv_sso_1 @account_superuser @account_user_with_access
  Scenario: A KaseyaOne user with access to UniView signs in through KaseyaOne
    Given a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "administrator"
    When "alice" logs in with KaseyaOne
    Then "alice" is signed in to UniView with KaseyaOne as "administrator"

  @uv_sso_1 @account_superuser @account_user_with_access
  Scenario: KaseyaOne's login form is pre-filled for the person who clicked Log In with KaseyaOne
    Given a KaseyaOne user "alice" with access to the UniView module
    When "alice" opens Log In with KaseyaOne
    Then KaseyaOne's login form shows the email address of "alice"

  @uv_sso_1 @interpretation
  Scenario: The first KaseyaOne login links an existing UniView user by email address
    # Interpretation: the document does not say how existing users are mapped; we map by email
    # at the first KaseyaOne login and by KaseyaOne subject afterwards.
    Given a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    When "alice" logs in with KaseyaOne
    Then the UniView account of "alice" is mapped to her KaseyaOne user

  @uv_sso_2 @destructive @account_superuser @account_user_with_access
  Scenario: With Log In with KaseyaOne off, nobody signs in through KaseyaOne
    Given a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "administrator"
    And "alice" has logged in with KaseyaOne before
    When the superuser turns Log In with KaseyaOne off
    And "alice" logs in with KaseyaOne
    Then UniView refuses the login with "kaseyaone_login_off"
    And the UniView login page does not offer Log In with KaseyaOne

  @uv_sso_2 @destructive
  Scenario: Turning Log In with KaseyaOne on again lets the same users in without re-mapping
    Given a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"
    And "alice" has logged in with KaseyaOne before
    When the superuser turns Log In with KaseyaOne off
    Then the UniView account of "alice" is mapped to her KaseyaOne user
    When the superuser turns Log In with KaseyaOne on
    And "alice" logs in with KaseyaOne
    Then "alice" is signed in to UniView with KaseyaOne as "monitor"

  @uv_sso_1 @negative @account_superuser @account_user_with_access
  Scenario: A wrong KaseyaOne password is refused by KaseyaOne
    Given a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "administrator"
    When "alice" tries Log In with KaseyaOne with a wrong password
    Then KaseyaOne refuses the login with "invalid_credentials"
    And "alice" is not signed in to UniView

  @uv_sso_1 @negative @account_superuser
  Scenario: Someone unknown to KaseyaOne is refused by KaseyaOne
    When someone unknown to KaseyaOne logs in with KaseyaOne
    Then KaseyaOne refuses the login with "invalid_credentials"

  @uv_sso_1 @negative @account_superuser @account_user_without_access
  Scenario: A KaseyaOne user without access to the UniView module is refused
    Given a KaseyaOne user "bob" without access to the UniView module
    And "bob" has a UniView account with the role "administrator"
    When "bob" logs in with KaseyaOne
    Then KaseyaOne refuses the login with "access_denied"
    And UniView refuses the login with "kaseyaone_refused"
    And "bob" is not signed in to UniView

  @uv_sso_1 @negative @account_superuser @account_deactivated_user
  Scenario: A deactivated KaseyaOne user is refused
    Given a deactivated KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "administrator"
    When "alice" logs in with KaseyaOne
    Then KaseyaOne refuses the login with "access_denied"
    And "alice" is not signed in to UniView
