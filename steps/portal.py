"""KaseyaOne as a portal: its own session, the tiles of a user's module instances, the app
launcher in a module's pages, logging out; and the provider seen by the suite's own client
(prompt, refresh tokens, key rotation)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from k1harness.drivers.oidc import CALLBACK, SuiteClient

from .tenants import _check


def _second(cast) -> tuple[str, str]:
    assert cast.second_uv_tenant, "no second UniView tenant in this scenario"
    return cast.second_uv_tenant, cast.second_instance_id


def _through_kaseyaone(cast, alias: str, page):
    person = cast.person(alias)
    return cast.uniview.through_kaseyaone(
        person.browser, page, cast.kaseyaone, person.email, person.password
    )


# --- a second module instance in the same KaseyaOne tenant


@given("a second UniView tenant integrated with the same KaseyaOne tenant")
def second_uniview(cast):
    superuser = cast.superuser
    seeded = cast.uniview.create_tenant(
        cast.faker.company(),
        users=[
            {
                "username": superuser.email,
                "name": superuser.name,
                "password": superuser.password,
                "role": "superuser",
            }
        ],
    )
    cast.second_uv_tenant = seeded["tenant"]["id"]
    cast.uniview.log_in_with_credentials(
        superuser.browser, cast.second_uv_tenant, superuser.email, superuser.password
    )
    added = _check(
        cast.uniview.add_kaseyaone_integration(
            superuser.browser, cast.second_uv_tenant, cast.master.email, cast.master.password
        ),
        "Adding the KaseyaOne integration to the second UniView",
    )
    cast.second_instance_id = added["kaseyaone"]["module_instance"]


@given(parsers.parse('the master user grants "{alias}" access to the second UniView'))
@when(parsers.parse('the master user grants "{alias}" access to the second UniView'))
def grant_second(cast, alias):
    _check(
        cast.admin().grant_module_access(_second(cast)[1], cast.person(alias).kaseyaone_id),
        f"Granting {alias} access to the second UniView",
    )


@given(parsers.parse('"{alias}" may use the second UniView as a "{role}"'))
def may_use_second(cast, alias, role):
    grant_second(cast, alias)
    person = cast.person(alias)
    account = {
        "username": person.email,
        "name": person.name,
        "role": role,
        "password": person.password,
    }
    _check(
        cast.uniview.api(cast.superuser.browser, _second(cast)[0], "POST", "users", account),
        f"Creating {alias}'s account in the second UniView",
    )


@when(
    parsers.parse('"{alias}" logs in with KaseyaOne to the second UniView'),
    target_fixture="attempt",
)
def log_in_to_second(cast, alias):
    person = cast.person(alias)
    return cast.uniview.log_in_with_kaseyaone(
        person.browser, _second(cast)[0], cast.kaseyaone, person.email, person.password
    )


@then(parsers.parse('"{alias}" is signed in to the second UniView with KaseyaOne'))
def signed_in_to_second(cast, alias):
    session = cast.uniview.current_session(cast.person(alias).browser, _second(cast)[0])
    assert session is not None, "not signed in to the second UniView"
    assert session["method"] == "kaseyaone"
    assert session["user"]["username"] == cast.person(alias).email


# --- KaseyaOne's own session and its tiles


def signed_in_to_kaseyaone(cast, alias: str) -> bool:
    page = cast.kaseyaone.home(cast.person(alias).browser)
    return cast.kaseyaone.signed_in_as(page) == cast.person(alias).email


@given(parsers.parse('"{alias}" has signed in to KaseyaOne'))
@when(parsers.parse('"{alias}" signs in to KaseyaOne'))
def sign_in_to_kaseyaone(cast, alias):
    person = cast.person(alias)
    page = cast.kaseyaone.sign_in(person.browser, person.email, person.password)
    assert cast.kaseyaone.signed_in_as(page) == person.email, page.text


@then(parsers.parse('"{alias}" is not signed in to KaseyaOne'))
def not_signed_in_to_kaseyaone(cast, alias):
    assert not signed_in_to_kaseyaone(cast, alias)


@then(parsers.parse('"{alias}" is still signed in to KaseyaOne'))
def still_signed_in_to_kaseyaone(cast, alias):
    assert signed_in_to_kaseyaone(cast, alias)


def _tiles(cast, alias: str) -> set[str]:
    page = cast.kaseyaone.home(cast.person(alias).browser)
    assert cast.kaseyaone.signed_in_as(page) == cast.person(alias).email, page.url
    return set(cast.kaseyaone.tiles(page))


@then(parsers.parse('KaseyaOne shows "{alias}" the tiles of the first UniView only'))
def tiles_of_first(cast, alias):
    assert _tiles(cast, alias) == {cast.instance_id}


@then(parsers.parse('KaseyaOne shows "{alias}" the tiles of the first and the second UniView'))
def tiles_of_both(cast, alias):
    assert _tiles(cast, alias) == {cast.instance_id, _second(cast)[1]}


@then(parsers.parse('KaseyaOne shows "{alias}" no tile'))
def no_tile(cast, alias):
    assert _tiles(cast, alias) == set()


@when(parsers.parse('"{alias}" opens the tile of the first UniView'), target_fixture="attempt")
def open_tile(cast, alias):
    browser = cast.person(alias).browser
    tile = cast.kaseyaone.tiles(cast.kaseyaone.home(browser))[cast.instance_id]
    return _through_kaseyaone(cast, alias, browser.open(tile))


@then(parsers.parse('KaseyaOne did not ask "{alias}" for credentials'))
def not_asked(attempt, alias):
    assert attempt.reached_kaseyaone, f"never went through KaseyaOne: {attempt.page.url}"
    assert not attempt.asked_for_credentials, f"{alias} was shown KaseyaOne's login form"


@then(parsers.parse('KaseyaOne asked "{alias}" for credentials'))
def asked(attempt, alias):
    assert attempt.asked_for_credentials, f"{alias} was not shown KaseyaOne's login form"


@when(parsers.parse('the master user signs "{alias}" out of KaseyaOne everywhere'))
def sign_out_everywhere(cast, alias):
    _check(
        cast.admin().sign_out_everywhere(cast.person(alias).kaseyaone_id),
        f"Signing {alias} out everywhere",
    )


# --- the app launcher in UniView's pages


def _launcher(cast, alias: str) -> dict:
    page = cast.uniview.home(cast.person(alias).browser, cast.uv_tenant)
    assert page.status == 200, page.url
    return cast.uniview.launcher(page)


@then(parsers.parse('UniView shows "{alias}" the app launcher listing the second UniView only'))
def launcher_lists_second(cast, alias):
    launcher = _launcher(cast, alias)
    assert launcher["kind"] == "waffle", launcher
    assert set(launcher["modules"]) == {_second(cast)[1]}, launcher


@then(parsers.parse('UniView shows "{alias}" the Kaseya icon and no app launcher'))
def kaseya_icon(cast, alias):
    assert _launcher(cast, alias)["kind"] == "icon"


@when(
    parsers.parse('"{alias}" opens the second UniView from the app launcher'),
    target_fixture="attempt",
)
def open_from_launcher(cast, alias):
    entry = _launcher(cast, alias)["modules"][_second(cast)[1]]
    return _through_kaseyaone(cast, alias, cast.person(alias).browser.open(entry))


@when(parsers.parse('"{alias}" opens My KaseyaOne from the app launcher'))
def open_my_kaseyaone(cast, alias):
    page = cast.person(alias).browser.open(_launcher(cast, alias)["home"])
    assert cast.kaseyaone.signed_in_as(page) == cast.person(alias).email, page.url


@when(parsers.parse('"{alias}" clicks the Kaseya icon'), target_fixture="hub_page")
def click_kaseya_icon(cast, alias):
    return cast.person(alias).browser.open(_launcher(cast, alias)["login"])


@then(parsers.parse('KaseyaOne asks "{alias}" to sign in'))
def kaseyaone_asks(cast, hub_page, alias):
    assert cast.kaseyaone.is_login_page(hub_page), hub_page.url


@when("two hours pass")
def two_hours_pass(cast):
    cast.let_time_pass(2 * 3600)


@then("UniView has refreshed its KaseyaOne tokens")
def refreshed_tokens(cast):
    token_calls = [
        e
        for e in cast.uniview.journal(cast.uv_tenant)
        if e["direction"] == "sent" and e["url"].endswith("/oauth/token")
    ]
    # The code exchange at the sign-in, then the refresh.
    assert [e["status"] for e in token_calls] == [200, 200], token_calls


# --- logging out


@when(parsers.parse('"{alias}" logs out of UniView'), target_fixture="page")
def log_out_of_uniview(cast, alias):
    return cast.uniview.log_out(cast.person(alias).browser, cast.uv_tenant)


@then(parsers.parse('"{alias}" is back on UniView\'s login page'))
def back_on_login_page(cast, page, alias):
    assert page.url.split("?", 1)[0] == cast.uniview.tenant_url(cast.uv_tenant, "login"), page.url
    assert page.status == 200 and page.has_form("login")
    assert cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant) is None


# --- the suite's own client of KaseyaOne


@given(
    parsers.parse('the suite\'s own module instance in KaseyaOne, which "{alias}" may use'),
    target_fixture="suite_client",
)
def suite_client(cast, alias):
    body = _check(
        cast.admin().register_module_instance(
            "uniview", "The conformance suite's client", redirect_uris=[CALLBACK]
        ),
        "Registering the suite's module instance",
    )
    _check(
        cast.admin().grant_module_access(body["id"], cast.person(alias).kaseyaone_id),
        f"Granting {alias} access to the suite's module instance",
    )
    return SuiteClient(cast.kaseyaone, body["client_id"], body["client_secret"])


@given(parsers.parse('the suite\'s client has signed "{alias}" in'), target_fixture="suite_tokens")
def suite_signed_in(cast, suite_client, alias):
    person = cast.person(alias)
    return suite_client.sign_in(person.browser, person.email, person.password)


@when(
    parsers.parse('the suite\'s client asks KaseyaOne to sign "{alias}" in with prompt "{prompt}"'),
    target_fixture="authorization",
)
def ask_with_prompt(cast, suite_client, alias, prompt):
    person = cast.person(alias)
    return suite_client.authorize(
        person.browser, person.email, person.password, fill_in=False, prompt=prompt
    )


@when(
    parsers.parse('the suite\'s client asks KaseyaOne to sign "{alias}" in'),
    target_fixture="authorization",
)
def ask_without_prompt(cast, suite_client, alias):
    person = cast.person(alias)
    return suite_client.authorize(person.browser, person.email, person.password, fill_in=False)


@then(parsers.parse('KaseyaOne shows "{alias}" its login form'))
def shows_login_form(cast, authorization, alias):
    assert authorization.asked_for_credentials, authorization.page.url
    assert authorization.page.form("login").fields["email"] == cast.person(alias).email


@then(parsers.parse('KaseyaOne signs "{alias}" in to the suite\'s client without the form'))
def signed_in_without_form(cast, suite_client, authorization, alias):
    assert not authorization.asked_for_credentials
    tokens = suite_client.exchange(authorization)
    assert tokens.ok, tokens.body
    claims = suite_client.verified_claims(tokens.body["id_token"])
    assert claims["sub"] == cast.person(alias).kaseyaone_id


@then(parsers.parse('refreshing the tokens of "{alias}" is refused with "{error}"'))
def refresh_refused(suite_client, suite_tokens, alias, error):
    result = suite_client.refresh(suite_tokens["refresh_token"])
    assert (result.status, result.error) == (400, error), result.body


@when(
    parsers.parse('the suite\'s client refreshes the tokens of "{alias}"'),
    target_fixture="refreshed",
)
def refresh(suite_client, suite_tokens, alias):
    result = suite_client.refresh(suite_tokens["refresh_token"])
    assert result.ok, result.body
    return result.body


@then(parsers.parse('the refreshed ID token is for "{alias}" again'))
def refreshed_for_same_user(cast, suite_client, suite_tokens, refreshed, alias):
    before = suite_client.verified_claims(suite_tokens["id_token"])
    after = suite_client.verified_claims(refreshed["id_token"])
    assert after["sub"] == before["sub"] == cast.person(alias).kaseyaone_id
    assert after["auth_time"] == before["auth_time"]
    assert refreshed["refresh_token"] != suite_tokens["refresh_token"]


@then(parsers.parse('the first refresh token is refused with "{error}" when used again'))
def first_refresh_token_refused(suite_client, suite_tokens, error):
    result = suite_client.refresh(suite_tokens["refresh_token"])
    assert (result.status, result.error) == (400, error), result.body


@when(
    "KaseyaOne rotates its signing key, keeping the previous one for an hour",
    target_fixture="rotation",
)
def rotate_key(cast):
    return cast.kaseyaone.rotate_signing_key(overlap_seconds=3600)


@then("the ID token the suite's client received before still verifies")
def old_token_verifies(suite_client, suite_tokens, rotation):
    claims = suite_client.verified_claims(suite_tokens["id_token"])
    assert claims["kid"] != rotation["signing_kid"]


@then(
    parsers.parse(
        'a new sign-in of "{alias}" through the suite\'s client gets an ID token signed with '
        "the new key"
    )
)
def new_token_new_key(cast, suite_client, rotation, alias):
    person = cast.person(alias)
    tokens = suite_client.sign_in(person.browser, person.email, person.password)
    assert suite_client.verified_claims(tokens["id_token"])["kid"] == rotation["signing_kid"]
