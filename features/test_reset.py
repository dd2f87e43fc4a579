"""Binds reset.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("reset.feature")
