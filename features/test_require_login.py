"""Binds require_login.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("require_login.feature")
