"""Binds one_tenant_two_modules.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("one_tenant_two_modules.feature")
