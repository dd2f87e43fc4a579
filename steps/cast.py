"""The people and tenants of one scenario. Each scenario gets fresh tenants on both systems
(H-ISO-1), with names from a seeded faker, and removes them afterwards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver


@dataclass
class Person:
    alias: str
    name: str
    email: str
    password: str
    browser: Browser = field(default_factory=Browser)
    kaseyaone_id: str | None = None


@dataclass
class Cast:
    faker: object
    kaseyaone: KaseyaOneDriver
    uniview: UniViewDriver
    hub_tenant: str | None = None
    uv_tenant: str | None = None
    master: Person | None = None
    superuser: Person | None = None
    people: dict[str, Person] = field(default_factory=dict)
    instance_id: str | None = None
    # A second UniView tenant integrated with the same KaseyaOne tenant, and its module instance.
    second_uv_tenant: str | None = None
    second_instance_id: str | None = None
    domain: str = ""

    def new_person(self, alias: str) -> Person:
        name = self.faker.name()
        local = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")
        email = f"{local}.{self.faker.hexify('^^^^^^')}@{self.domain}"
        return Person(alias, name, email, self.faker.password(length=14))

    def person(self, alias: str) -> Person:
        if alias not in self.people:
            self.people[alias] = self.new_person(alias)
        return self.people[alias]

    def admin(self):
        return self.kaseyaone.admin(self.master.email, self.master.password)

    def let_time_pass(self, seconds: int, step: int = 600) -> None:
        """Both systems' clocks move on together, `step` at a time, so that every job falling
        due on the way runs (no test sleeps)."""
        for _ in range(seconds // step):
            self.kaseyaone.advance_clock(self.hub_tenant, step)
            self.uniview.advance_clock(self.uv_tenant, step)
        self.keep_superuser_signed_in()

    def keep_superuser_signed_in(self) -> None:
        """A UniView session lasts eight hours; after a longer wait the superuser signs in
        again, as they would."""
        superuser = self.superuser
        if superuser is None or self.uv_tenant is None:
            return
        if self.uniview.current_session(superuser.browser, self.uv_tenant) is None:
            self.uniview.log_in_with_credentials(
                superuser.browser, self.uv_tenant, superuser.email, superuser.password
            )

    def close(self) -> None:
        for person in [self.master, self.superuser, *self.people.values()]:
            if person is not None:
                person.browser.close()
        for tenant in (self.uv_tenant, self.second_uv_tenant):
            if tenant:
                self.uniview.delete_tenant(tenant)
        if self.hub_tenant:
            self.kaseyaone.delete_tenant(self.hub_tenant)


@pytest.fixture
def cast(k1_faker, kaseyaone, uniview):
    cast = Cast(k1_faker, kaseyaone, uniview)
    cast.domain = f"{k1_faker.domain_word()}-{k1_faker.hexify('^^^^')}.example"
    yield cast
    cast.close()
