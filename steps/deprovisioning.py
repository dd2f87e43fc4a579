"""Automatic User Deprovisioning: lifecycle changes in KaseyaOne and what arrives in UniView."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .configuration import change_settings
from .sign_in import bypass_link, log_in_with_kaseyaone
from .tenants import _check


@given("the superuser has turned Automatic User Deprovisioning on")
def deprovisioning_on(cast):
    _check(
        change_settings(cast, automatic_user_deprovisioning=True),
        "Turning Automatic User Deprovisioning on",
    )


@when(parsers.parse('the master user re-activates "{alias}" in KaseyaOne'))
def reactivate(cast, alias):
    _check(cast.admin().activate_user(cast.person(alias).kaseyaone_id), f"Re-activating {alias}")


@when(parsers.parse('the master user deletes "{alias}" in KaseyaOne'))
def delete_in_kaseyaone(cast, alias):
    _check(cast.admin().delete_user(cast.person(alias).kaseyaone_id), f"Deleting {alias}")


@when(parsers.parse('the master user withdraws the UniView access of "{alias}"'))
def withdraw_access(cast, alias):
    _check(
        cast.admin().withdraw_module_access(cast.instance_id, cast.person(alias).kaseyaone_id),
        f"Withdrawing the UniView access of {alias}",
    )


def uniview_account(cast, email: str) -> dict | None:
    users = _check(cast.uniview.users(cast.superuser.browser, cast.uv_tenant), "Listing users")
    return next((u for u in users["users"] if u["username"] == email), None)


@then(parsers.parse('the UniView account of "{alias}" is {status:w}'))
def account_status(cast, alias, status):
    account = uniview_account(cast, cast.person(alias).email)
    assert account is not None, "no such account"
    assert account["status"] == {"disabled": "disabled", "active": "active"}[status], account


@then(parsers.parse('"{alias}" can log in with KaseyaOne again'))
def can_log_in_again(cast, alias):
    log_in_with_kaseyaone(cast, alias)
    session = cast.uniview.current_session(cast.person(alias).browser, cast.uv_tenant)
    assert session and session["method"] == "kaseyaone"


@given("the superuser has a KaseyaOne account with access to the UniView module and has used it")
def superuser_in_kaseyaone(cast):
    su = cast.superuser
    body = _check(cast.admin().create_user(su.email, su.name, su.password), "Creating the user")
    su.kaseyaone_id = body["id"]
    _check(cast.admin().grant_module_access(cast.instance_id, su.kaseyaone_id), "Granting access")
    attempt = cast.uniview.log_in_with_kaseyaone(
        cast.person("superuser's second browser").browser,
        cast.uv_tenant,
        cast.kaseyaone,
        su.email,
        su.password,
    )
    assert attempt.page.status == 200, attempt.page.text


@when("the master user deletes the superuser in KaseyaOne")
def delete_superuser(cast):
    _check(cast.admin().delete_user(cast.superuser.kaseyaone_id), "Deleting the superuser")


@then("KaseyaOne reports that UniView disabled the superuser instead of deleting them")
def disabled_instead(cast):
    (row,) = cast.kaseyaone.outbox(cast.hub_tenant)
    assert row["kind"] == "scim.delete" and row["state"] == "delivered", row
    assert row["last_result"].startswith("disabled instead of deleted"), row


@then(parsers.parse('the superuser\'s UniView credentials are refused with "{error}"'))
def superuser_refused(cast, error):
    su = cast.superuser
    page = cast.uniview.log_in_with_credentials(
        cast.person("a fresh browser").browser, cast.uv_tenant, su.email, su.password
    )
    assert page.error == error, page.text


@then("KaseyaOne has pushed nothing to UniView")
def nothing_pushed(cast):
    assert cast.kaseyaone.outbox(cast.hub_tenant) == []
    assert cast.uniview.scim_journal(cast.uv_tenant) == []


@then(parsers.parse('"{alias}" cannot log in by any path'))
def no_way_in(cast, alias):
    person = cast.person(alias)
    page = cast.uniview.log_in_with_credentials(
        person.browser, cast.uv_tenant, person.email, person.password
    )
    assert page.error == "account_disabled", page.text
    page = cast.uniview.log_in_through_link(
        person.browser, bypass_link(cast), person.email, person.password
    )
    assert page.error == "account_disabled", page.text
    attempt = log_in_with_kaseyaone(cast, alias)
    assert attempt.kaseyaone_error == "access_denied"
    assert cast.uniview.current_session(person.browser, cast.uv_tenant) is None


@given(parsers.parse("UniView fails its next {count:d} SCIM calls"))
def uniview_fails(cast, count):
    cast.uniview.inject_fault(cast.uv_tenant, "scim", count)


@given(parsers.parse("UniView drops the connection on its next {count:d} SCIM calls"))
def uniview_drops(cast, count):
    cast.uniview.inject_fault(cast.uv_tenant, "scim", count, mode="drop")


@when("an hour passes on KaseyaOne's clock, ten minutes at a time")
def an_hour_passes(cast):
    cast.let_time_pass(3600)


@then(parsers.parse("KaseyaOne delivered the change once, after {attempts:d} attempts"))
def delivered_once(cast, attempts):
    (row,) = cast.kaseyaone.outbox(cast.hub_tenant)
    assert (row["state"], row["attempts"]) == ("delivered", attempts), row


@then(
    parsers.parse(
        "UniView's journal shows {count:d} {how:w} SCIM calls before the change was applied once"
    )
)
def journal_shows_retries(cast, count, how):
    scim = cast.uniview.scim_journal(cast.uv_tenant)
    # Refused: answered 503; dropped: the connection closed without an answer (no status).
    refused = [e for e in scim if e["status"] == {"refused": 503, "dropped": None}[how]]
    assert len(refused) == count and scim[:count] == refused, scim
    changes = [e for e in scim if e["method"] == "PATCH"]
    assert [e["status"] for e in changes] == [200], changes
