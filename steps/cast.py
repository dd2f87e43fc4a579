"""The people and tenants of one scenario. Each scenario gets fresh tenants on both systems
(H-ISO-1), with names from a seeded faker, and removes them afterwards. Where the target cannot
seed, the people are its provisioned accounts instead, by the part each plays, in the tenant
they belong to; what a scenario changes there is put back when it ends, and is changed only
with --allow-destructive."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from k1harness.drivers.contract import Browser, KaseyaOne, UniView
from k1harness.targets import Account


@dataclass
class Person:
    alias: str
    name: str
    email: str
    password: str
    browser: Browser
    kaseyaone_id: str | None = None
    part: str | None = None  # the provisioned account's part, where the person is one


@dataclass
class Cast:
    faker: object
    kaseyaone: KaseyaOne
    uniview: UniView
    new_browser: Callable[[], Browser]
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
    accounts: dict[str, Account] | None = None  # provisioned accounts: None where we seed
    may_change: bool = True  # whether the provisioned tenant may be changed
    undo: list[tuple[str, Callable[[], object]]] = field(default_factory=list)

    @property
    def provisioned(self) -> bool:
        return self.accounts is not None

    def new_person(self, alias: str) -> Person:
        name = self.faker.name()
        local = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")
        email = f"{local}.{self.faker.hexify('^^^^^^')}@{self.domain}"
        return Person(alias, name, email, self.faker.password(length=14), self.new_browser())

    def person(self, alias: str) -> Person:
        if alias not in self.people:
            self.people[alias] = self.new_person(alias)
        return self.people[alias]

    def account(self, alias: str, part: str) -> Person:
        """The provisioned account playing `part`, as the scenario's `alias`."""
        if part not in self.accounts:
            # The scenario's account_* tags should have said so; a step asked for more.
            raise AssertionError(
                f"The scenario needs the provisioned account {part}: add @account_{part} to "
                "it, and name the account in the target file."
            )
        account = self.accounts[part]
        person = Person(
            alias, account.username, account.username, account.password, self.new_browser()
        )
        person.part = part
        self.people[alias] = person
        return person

    def will_change(self, what: str, undo: Callable[[], object]) -> None:
        """Before changing `what` in the provisioned tenant, which others share: allowed only
        with --allow-destructive, and `undo` puts it back when the scenario ends."""
        if not self.provisioned:
            return
        if not self.may_change:
            pytest.skip(
                f"changes {what} in the provisioned tenant; pass --allow-destructive to run "
                "it there (what it changes is put back afterwards)"
            )
        self.undo.append((what, undo))

    def changing(self, what: str) -> bool:
        """Whether `what` has been changed already (and will be put back)."""
        return any(name == what for name, _ in self.undo)

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

    def put_back(self) -> None:
        """Undo, latest first, what the scenario changed in the provisioned tenant; a change
        that cannot be put back fails the scenario's teardown, naming it."""
        failed = []
        if self.undo:
            self.keep_superuser_signed_in()
        for what, undo in reversed(self.undo):
            try:
                undo()
            except Exception as exc:  # every change gets its try, whichever fails
                failed.append(f"{what}: {exc}")
        self.undo.clear()
        if failed:
            raise AssertionError(
                "Could not put back in the provisioned tenant: " + "; ".join(failed)
            )

    def close(self) -> None:
        try:
            self.put_back()
        finally:
            for person in [self.master, self.superuser, *self.people.values()]:
                if person is not None:
                    person.browser.close()
            if not self.provisioned:
                for tenant in (self.uv_tenant, self.second_uv_tenant):
                    if tenant:
                        self.uniview.delete_tenant(tenant)
                if self.hub_tenant:
                    self.kaseyaone.delete_tenant(self.hub_tenant)


@pytest.fixture
def cast(k1_faker, kaseyaone, uniview, new_browser, k1_accounts, pytestconfig):
    cast = Cast(k1_faker, kaseyaone, uniview, new_browser, accounts=k1_accounts)
    cast.may_change = pytestconfig.getoption("allow_destructive")
    cast.domain = f"{k1_faker.domain_word()}-{k1_faker.hexify('^^^^')}.example"
    yield cast
    cast.close()
