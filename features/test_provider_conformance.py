"""Binds provider_conformance.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("provider_conformance.feature")
