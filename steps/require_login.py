"""Require Login with KaseyaOne: exceptions, granted and withdrawn by a superuser."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from .tenants import _check


def grant_exception(cast, alias):
    return _check(
        cast.uniview.grant_login_exception(
            cast.superuser.browser, cast.uv_tenant, cast.person(alias).email
        ),
        f"Granting {alias} an exception",
    )


@given(parsers.parse('the superuser has granted "{alias}" an exception'))
def has_granted_exception(cast, alias):
    grant_exception(cast, alias)


@when(parsers.parse('the superuser grants "{alias}" an exception'))
def grants_exception(cast, alias):
    grant_exception(cast, alias)


@when(parsers.parse('the superuser withdraws the exception of "{alias}"'))
def withdraws_exception(cast, alias):
    _check(
        cast.uniview.withdraw_login_exception(
            cast.superuser.browser, cast.uv_tenant, cast.person(alias).email
        ),
        f"Withdrawing the exception of {alias}",
    )
