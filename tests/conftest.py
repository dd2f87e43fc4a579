"""Fixtures several test modules share: a KaseyaOne served on loopback, a fresh tenant in it
for each test, and a browser. They are defined with the provider's own tests
(test_oidc_provider.py) and offered here to the other modules by name."""

from test_oidc_provider import browser, provider_url, tenant

__all__ = ["browser", "provider_url", "tenant"]
