"""Binds settings_sync.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("settings_sync.feature")
