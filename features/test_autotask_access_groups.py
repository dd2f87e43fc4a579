"""Binds autotask_access_groups.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("autotask_access_groups.feature")
