@kaseyaone @h_tgt_1
Feature: What any KaseyaOne deployment shows without test accounts
  The OpenID Connect provider that signs users in to every module, checked from the outside:
  these scenarios need no control plane, no seeding and no account, so they run against a real
  KaseyaOne as well as the simulated one. Source: DESIGN.md "Protocols" (OpenID Connect Core and
  Discovery 1.0, RFC 6749, RFC 7636, RFC 6750), which both documents' sign-in rests on.

  Scenario: KaseyaOne publishes its OpenID Connect configuration at its URL
    When the suite reads KaseyaOne's OpenID Connect discovery document
    Then the document's issuer is KaseyaOne's URL
    And it names the authorization, token, userinfo and JWKS endpoints
    And it offers the authorization-code flow with PKCE S256 and RS256 ID tokens

  Scenario: KaseyaOne's signing keys are public RS256 keys with key IDs
    When the suite reads KaseyaOne's JWKS
    Then every key is a public RSA signing key with a key ID
    And no key carries private parts

  @negative
  Scenario: KaseyaOne refuses a token request from a client it does not know
    When a client KaseyaOne does not know asks its token endpoint for a token
    Then KaseyaOne answers 401 with the OAuth error "invalid_client"

  @negative
  Scenario: KaseyaOne does not send a browser back to a client it does not know
    When a browser asks KaseyaOne to sign in for a client it does not know
    Then KaseyaOne shows an error page and does not redirect the browser

  @negative
  Scenario: KaseyaOne's userinfo needs an access token
    When the suite asks KaseyaOne's userinfo endpoint without an access token
    Then KaseyaOne answers 401 asking for a bearer token
