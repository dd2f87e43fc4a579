"""Binds automatic_user_creation.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("automatic_user_creation.feature")
