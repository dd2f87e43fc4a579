"""Binds automatic_user_deprovisioning.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("automatic_user_deprovisioning.feature")
