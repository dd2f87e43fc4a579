"""Binds integration_configuration.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("integration_configuration.feature")
