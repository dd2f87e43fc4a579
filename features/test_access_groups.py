"""Binds access_groups.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("access_groups.feature")
