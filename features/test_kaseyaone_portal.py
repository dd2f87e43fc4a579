"""Binds kaseyaone_portal.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("kaseyaone_portal.feature")
