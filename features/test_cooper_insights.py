"""Binds cooper_insights.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("cooper_insights.feature")
