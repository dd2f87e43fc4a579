"""Fixtures several test modules share: a KaseyaOne served on loopback, a fresh tenant in it
for each test, and a browser. They are defined with the provider's own tests
(test_oidc_provider.py) and offered here to the other modules by name."""

from test_oidc_provider import browser, provider_url, tenant

# schemathesis makes test_fuzz.py's tests from the OpenAPI documents. Its plugin (and
# hypothesis') is left out of the feature runs by pyproject.toml's addopts: the suite pays its
# import and assertion rewriting in every process otherwise.
pytest_plugins = ["schemathesis.pytest.plugin", "_hypothesis_pytestplugin"]

__all__ = ["browser", "provider_url", "tenant"]
