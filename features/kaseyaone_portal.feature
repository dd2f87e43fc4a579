@kaseyaone @needs_seeding
Feature: KaseyaOne as a portal: its own session, the module tiles and the app launcher
  Users log in to KaseyaOne and click a module's tile, or start from the module's own Log In
  with KaseyaOne; signed in through KaseyaOne, a module's pages show the app launcher (the
  waffle, "My KaseyaOne") to open the user's other modules; signed in with module credentials,
  the Kaseya icon instead, which leads to KaseyaOne's login. Source: "About KaseyaOne" in the
  Autotask document (it holds for every module; UniView is the module simulated here). The
  session scenarios check the OpenID Connect behaviour a hub with a session of its own has
  (OIDC Core §3.1.2: prompt; RFC 6749 §6: refresh tokens; OIDC Core §10.1.1: key rotation).

  Background:
    Given a KaseyaOne tenant with a master user
    And a UniView tenant with a superuser
    And the superuser has added the KaseyaOne integration
    And a KaseyaOne user "alice" with access to the UniView module
    And "alice" has a UniView account with the role "monitor"

  @k1_hub_1
  Scenario: A user signed in to KaseyaOne opens UniView from its tile without signing in again
    When "alice" signs in to KaseyaOne
    Then KaseyaOne shows "alice" the tiles of the first UniView only
    When "alice" opens the tile of the first UniView
    Then "alice" is signed in to UniView with KaseyaOne as "monitor"
    And KaseyaOne did not ask "alice" for credentials

  @k1_hub_1 @k1_hub_3
  Scenario: A user sees a tile for each module instance she has access to and none for the others
    Given a second UniView tenant integrated with the same KaseyaOne tenant
    When "alice" signs in to KaseyaOne
    Then KaseyaOne shows "alice" the tiles of the first UniView only
    When the master user grants "alice" access to the second UniView
    Then KaseyaOne shows "alice" the tiles of the first and the second UniView

  @k1_hub_1
  Scenario: Signed in through one module, she signs in to a second module without the form
    Given a second UniView tenant integrated with the same KaseyaOne tenant
    And "alice" may use the second UniView as a "monitor"
    And "alice" has logged in with KaseyaOne before
    When "alice" logs in with KaseyaOne to the second UniView
    Then "alice" is signed in to the second UniView with KaseyaOne
    And KaseyaOne did not ask "alice" for credentials

  @k1_hub_3 @negative
  Scenario: A user without access to UniView sees no tile for it and is refused there
    Given a KaseyaOne user "bob" without access to the UniView module
    And "bob" has a UniView account with the role "administrator"
    When "bob" signs in to KaseyaOne
    Then KaseyaOne shows "bob" no tile
    When "bob" logs in with KaseyaOne
    Then KaseyaOne refuses the login with "access_denied"
    And KaseyaOne did not ask "bob" for credentials
    And "bob" is not signed in to UniView

  @k1_hub_2
  Scenario: The app launcher lists her other modules, opens them, and leads back to KaseyaOne
    Given a second UniView tenant integrated with the same KaseyaOne tenant
    And "alice" may use the second UniView as a "monitor"
    When "alice" logs in with KaseyaOne
    Then UniView shows "alice" the app launcher listing the second UniView only
    When "alice" opens the second UniView from the app launcher
    Then "alice" is signed in to the second UniView with KaseyaOne
    And KaseyaOne did not ask "alice" for credentials
    When "alice" opens My KaseyaOne from the app launcher
    Then KaseyaOne shows "alice" the tiles of the first and the second UniView

  @k1_hub_2
  Scenario: Signed in with UniView credentials, she sees the Kaseya icon, which leads to KaseyaOne's login
    When "alice" logs in with UniView credentials
    Then UniView shows "alice" the Kaseya icon and no app launcher
    When "alice" clicks the Kaseya icon
    Then KaseyaOne asks "alice" to sign in

  @k1_hub_2 @needs_clock
  Scenario: The app launcher still lists her modules once UniView's access token has expired
    Given a second UniView tenant integrated with the same KaseyaOne tenant
    And "alice" may use the second UniView as a "monitor"
    And "alice" has logged in with KaseyaOne before
    When two hours pass
    Then UniView shows "alice" the app launcher listing the second UniView only
    And UniView has refreshed its KaseyaOne tokens

  @k1_hub_1
  Scenario: Deactivating a user ends her KaseyaOne session at once
    Given "alice" has signed in to KaseyaOne
    When the master user deactivates "alice" in KaseyaOne
    Then "alice" is not signed in to KaseyaOne

  @k1_hub_1
  Scenario: Once the master user has signed her out everywhere, KaseyaOne asks for her credentials again
    Given "alice" has signed in to KaseyaOne
    When the master user signs "alice" out of KaseyaOne everywhere
    Then "alice" is not signed in to KaseyaOne
    When "alice" logs in with KaseyaOne
    Then KaseyaOne asked "alice" for credentials
    And "alice" is signed in to UniView with KaseyaOne as "monitor"

  @k1_hub_1 @interpretation
  Scenario: Logging out of UniView signs a user who came through KaseyaOne out of KaseyaOne too
    # Interpretation: the documents say nothing of logging out. One sign-in for every module
    # ("unified single sign-on") read as one sign-out too: UniView ends KaseyaOne's session
    # through OpenID Connect RP-Initiated Logout, and KaseyaOne sends the browser back.
    Given "alice" has logged in with KaseyaOne before
    When "alice" logs out of UniView
    Then "alice" is back on UniView's login page
    And "alice" is not signed in to KaseyaOne
    When "alice" logs in with KaseyaOne
    Then KaseyaOne asked "alice" for credentials

  @k1_hub_1 @interpretation
  Scenario: Logging out of UniView after signing in with UniView credentials leaves KaseyaOne alone
    # Interpretation: a UniView session KaseyaOne did not open is not KaseyaOne's to end.
    Given "alice" has signed in to KaseyaOne
    And "alice" has logged in with UniView credentials
    When "alice" logs out of UniView
    Then "alice" is still signed in to KaseyaOne

  Scenario: A module that asks for a fresh sign-in gets KaseyaOne's form although she is signed in
    Given the suite's own module instance in KaseyaOne, which "alice" may use
    And "alice" has signed in to KaseyaOne
    When the suite's client asks KaseyaOne to sign "alice" in with prompt "login"
    Then KaseyaOne shows "alice" its login form
    When the suite's client asks KaseyaOne to sign "alice" in
    Then KaseyaOne signs "alice" in to the suite's client without the form

  @negative
  Scenario: A refresh for a user deactivated since is refused
    Given the suite's own module instance in KaseyaOne, which "alice" may use
    And the suite's client has signed "alice" in
    When the master user deactivates "alice" in KaseyaOne
    Then refreshing the tokens of "alice" is refused with "invalid_grant"

  Scenario: A refresh token is good for one refresh only
    Given the suite's own module instance in KaseyaOne, which "alice" may use
    And the suite's client has signed "alice" in
    When the suite's client refreshes the tokens of "alice"
    Then the refreshed ID token is for "alice" again
    And the first refresh token is refused with "invalid_grant" when used again

  Scenario: KaseyaOne rotates its signing key in the middle of a scenario
    Given the suite's own module instance in KaseyaOne, which "alice" may use
    And the suite's client has signed "alice" in
    And "alice" has logged in with KaseyaOne before
    When KaseyaOne rotates its signing key, keeping the previous one for an hour
    Then the ID token the suite's client received before still verifies
    And a new sign-in of "alice" through the suite's client gets an ID token signed with the new key
    When "alice" logs in with KaseyaOne
    Then "alice" is signed in to UniView with KaseyaOne as "monitor"
