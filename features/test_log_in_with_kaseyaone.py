"""Binds log_in_with_kaseyaone.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("log_in_with_kaseyaone.feature")
