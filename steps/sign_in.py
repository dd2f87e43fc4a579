"""Signing in to UniView: with KaseyaOne, with UniView credentials, through the log-in link;
and what the person sees afterwards."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from k1harness.drivers.module import KaseyaOneSignIn, final_page


def log_in_with_kaseyaone(cast, alias: str, password: str | None = None) -> KaseyaOneSignIn:
    person = cast.person(alias)
    return cast.uniview.log_in_with_kaseyaone(
        person.browser, cast.uv_tenant, cast.kaseyaone, person.email, password or person.password
    )


@given(parsers.parse('"{alias}" has logged in with KaseyaOne before'))
def logged_in_with_kaseyaone_before(cast, alias):
    attempt = log_in_with_kaseyaone(cast, alias)
    session = cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant)
    assert session and session["method"] == "kaseyaone", attempt.page.text


@when(parsers.parse('"{alias}" logs in with KaseyaOne'), target_fixture="attempt")
def when_log_in_with_kaseyaone(cast, alias):
    return log_in_with_kaseyaone(cast, alias)


@when(
    parsers.parse('"{alias}" tries Log In with KaseyaOne with a wrong password'),
    target_fixture="attempt",
)
def log_in_with_kaseyaone_wrong_password(cast, alias):
    return log_in_with_kaseyaone(cast, alias, password="not-" + cast.person(alias).password)


@when("someone unknown to KaseyaOne logs in with KaseyaOne", target_fixture="attempt")
def unknown_person_logs_in(cast):
    return log_in_with_kaseyaone(cast, "a stranger")


@when(parsers.parse('"{alias}" opens Log In with KaseyaOne'), target_fixture="attempt")
def open_kaseyaone_login(cast, alias):
    person = cast.person(alias)
    page = cast.uniview.open_kaseyaone_login(person.browser, cast.uv_tenant, person.email)
    return page


@then(parsers.parse('KaseyaOne\'s login form shows the email address of "{alias}"'))
def login_form_prefilled(cast, attempt, alias):
    assert cast.kaseyaone.is_login_page(attempt), attempt.url
    assert attempt.form("login").fields["email"] == cast.person(alias).email


@then(parsers.parse('"{alias}" is signed in to UniView with KaseyaOne as "{role}"'))
def signed_in_with_kaseyaone(cast, alias, role):
    session = cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant)
    assert session is not None, "not signed in"
    assert session["method"] == "kaseyaone"
    assert session["user"]["username"] == cast.person(alias).email
    assert session["user"]["role"] == role


@then(parsers.parse('"{alias}" is signed in to UniView with UniView credentials'))
def signed_in_with_credentials(cast, alias):
    session = cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant)
    assert session is not None, "not signed in"
    assert (session["method"], session["user"]["username"]) == ("uniview", cast.person(alias).email)


@then(parsers.parse('"{alias}" is signed in to UniView through the log-in link'))
def signed_in_through_link(cast, alias):
    session = cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant)
    assert session is not None, "not signed in"
    assert (session["method"], session["user"]["username"]) == ("bypass", cast.person(alias).email)


@then(parsers.parse('"{alias}" is still signed in to UniView'))
def still_signed_in(cast, alias):
    assert cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant) is not None


@then(parsers.parse('"{alias}" is not signed in to UniView'))
def not_signed_in(cast, alias):
    assert cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant) is None


@then(parsers.parse('KaseyaOne refuses the login with "{error}"'))
def kaseyaone_refuses(attempt, error):
    assert attempt.reached_kaseyaone, f"never reached KaseyaOne: {attempt.page.url}"
    assert attempt.kaseyaone_error == error, attempt.kaseyaone_page and attempt.kaseyaone_page.text


@then(parsers.parse('UniView refuses the login with "{error}"'))
def uniview_refuses(attempt, error):
    page = final_page(attempt)
    assert page.status >= 400, f"{page.status} {page.url}"
    assert page.error == error, page.text


@then(parsers.parse('the page tells "{alias}" to ask an administrator'))
def told_to_ask_an_administrator(attempt, alias):
    text = final_page(attempt).element_text("error").lower()
    assert "ask your administrator" in text, text


@then("the refusal offers Log In with KaseyaOne")
def refusal_offers_kaseyaone(cast, attempt):
    page = final_page(attempt)
    assert "login/kaseyaone" in page.text and "Log In with KaseyaOne" in page.element_text(
        "error"
    ), page.text


@then("the UniView login page offers Log In with KaseyaOne")
def login_page_offers_kaseyaone(cast):
    page = cast.uniview.login_page(cast.person("visitor").browser, cast.uv_tenant)
    assert page.has_link("kaseyaone-login")


@then("the UniView login page does not offer Log In with KaseyaOne")
def login_page_without_kaseyaone(cast):
    page = cast.uniview.login_page(cast.person("visitor").browser, cast.uv_tenant)
    assert page.status == 200 and not page.has_link("kaseyaone-login")


@then(parsers.parse('the UniView account of "{alias}" is mapped to her KaseyaOne user'))
def account_mapped(cast, alias):
    person = cast.person(alias)
    users = cast.uniview.users(cast.superuser.browser, cast.uv_tenant).body["users"]
    mapped = {u["username"]: u["kaseyaone_subject"] for u in users}
    assert mapped[person.email] == person.kaseyaone_id


# --- UniView credentials and the log-in link


def log_in_with_credentials(cast, alias: str):
    person = cast.person(alias)
    return cast.uniview.log_in_with_credentials(
        person.browser, cast.uv_tenant, person.email, person.password
    )


@given(parsers.parse('"{alias}" has logged in with UniView credentials'))
def has_logged_in_with_credentials(cast, alias):
    log_in_with_credentials(cast, alias)
    assert cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant)


@given(parsers.parse('"{alias}" has been refused with UniView credentials'))
def has_been_refused(cast, alias):
    page = log_in_with_credentials(cast, alias)
    assert page.error == "kaseyaone_login_required", page.text


@when(parsers.parse('"{alias}" logs in with UniView credentials'), target_fixture="attempt")
def when_log_in_with_credentials(cast, alias):
    return log_in_with_credentials(cast, alias)


def bypass_link(cast) -> str:
    return cast.uniview.integration(cast.superuser.browser, cast.uv_tenant).body[
        "bypass_login_link"
    ]


@when(
    parsers.parse('"{alias}" uses the log-in link with UniView credentials'),
    target_fixture="attempt",
)
def use_bypass_link(cast, alias):
    person = cast.person(alias)
    return cast.uniview.log_in_through_link(
        person.browser, bypass_link(cast), person.email, person.password
    )


@when(
    parsers.parse('"{alias}" uses the log-in link with a wrong password'), target_fixture="attempt"
)
def use_bypass_link_wrong_password(cast, alias):
    person = cast.person(alias)
    return cast.uniview.log_in_through_link(
        person.browser, bypass_link(cast), person.email, "not-" + person.password
    )


@when(parsers.parse('"{alias}" opens a made-up log-in link'), target_fixture="attempt")
def made_up_link(cast, alias):
    real = bypass_link(cast)
    made_up = cast.uniview.made_up_link_like(real, cast.faker.hexify("^" * 32))
    return cast.person(alias).browser.open(made_up)


@then("the link is not found")
def link_not_found(attempt):
    assert attempt.status == 404
    assert not attempt.has_form("login")
