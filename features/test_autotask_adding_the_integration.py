"""Binds autotask_adding_the_integration.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("autotask_adding_the_integration.feature")
