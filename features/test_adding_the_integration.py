"""Binds adding_the_integration.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("adding_the_integration.feature")
