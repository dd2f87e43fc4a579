"""Binds autotask_data_and_security.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("autotask_data_and_security.feature")
