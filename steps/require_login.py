"""Require Login with KaseyaOne: exceptions, granted and withdrawn by a superuser."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from .tenants import _check


def excepted(cast, alias) -> bool:
    exceptions = _check(
        cast.uniview.integration(cast.superuser.browser, cast.uv_tenant), "Reading exceptions"
    )["exceptions"]
    return cast.person(alias).email.lower() in {e.lower() for e in exceptions}


def set_exception(cast, alias, granted: bool):
    change = (
        cast.uniview.grant_login_exception if granted else cast.uniview.withdraw_login_exception
    )
    return _check(
        change(cast.superuser.browser, cast.uv_tenant, cast.person(alias).email),
        f"{'Granting' if granted else 'Withdrawing'} the exception of {alias}",
    )


def change_exception(cast, alias, granted: bool):
    """Grant or withdraw an exception; in a provisioned tenant, only if it is not so already,
    and put back afterwards."""
    if cast.provisioned:
        was = excepted(cast, alias)
        if was == granted:
            return
        cast.will_change(f"the exception of {alias}", lambda: set_exception(cast, alias, was))
    set_exception(cast, alias, granted)


def grant_exception(cast, alias):
    change_exception(cast, alias, True)


@given(parsers.parse('the superuser has granted "{alias}" an exception'))
def has_granted_exception(cast, alias):
    grant_exception(cast, alias)


@when(parsers.parse('the superuser grants "{alias}" an exception'))
def grants_exception(cast, alias):
    grant_exception(cast, alias)


@when(parsers.parse('the superuser withdraws the exception of "{alias}"'))
def withdraws_exception(cast, alias):
    change_exception(cast, alias, False)
