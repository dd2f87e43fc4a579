"""Binds harness.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("harness.feature")
