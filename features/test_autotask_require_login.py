"""Binds autotask_require_login.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("autotask_require_login.feature")
