"""Autotask's KaseyaOne integration beside UniView's, in one run, both simulators in this process
(werkzeug threaded servers on 127.0.0.1, SQLite files, as the embedded suite runs them):

- one full sign-in through KaseyaOne: the module's Log In with KaseyaOne -> KaseyaOne's form ->
  the module's callback (token call, ID token checked against the cached JWKS) -> the module's
  landing page (which reads KaseyaOne's app launcher list), by the harness's drivers; for
  Autotask, UniView, and Autotask with Access Groups on (the Security Level set at each sign-in);
- one provisioning push: a grant in KaseyaOne's admin API that returns after its SCIM push
  (lookup by externalId, then by email address, then POST) has created the resource in
  Autotask; beside it, one deactivation push to each module (lookup, PATCH active false).

    .venv/bin/python benchmarks/autotask_integration.py [--rounds 100] [--warmup 10] [--pushes 30]

It prints a Markdown table (milliseconds: median, min-max) and, with --json FILE, writes the raw
summaries (seconds).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench_common import ms, summary

from k1harness.drivers import AutotaskDriver, Browser, KaseyaOneDriver, UniViewDriver
from k1harness.embedded import start_embedded

MASTER = ("m@bench.example", "pw")
PASSWORD = "pw"


class Bench:
    """A KaseyaOne tenant with a UniView tenant and an Autotask instance integrated with it."""

    def __init__(self) -> None:
        self.sims = start_embedded()
        self.k1 = KaseyaOneDriver(self.sims.kaseyaone.url)
        self.uv = UniViewDriver(self.sims.uniview.url)
        self.at = AutotaskDriver(self.sims.autotask.url)
        hub = self.k1.create_tenant(
            "Bench",
            groups=["Sales"],
            users=[{"email": MASTER[0], "name": "M", "password": MASTER[1], "master": True}],
        )
        self.hub_tenant = hub["tenant"]["id"]
        self.admin = self.k1.admin(*MASTER)
        superuser = {"username": "su@bench.example", "password": PASSWORD, "role": "superuser"}
        self.uv_tenant = self.uv.create_tenant("Bench", users=[superuser])["tenant"]["id"]
        self.su = Browser()
        self.uv.log_in_with_credentials(self.su, self.uv_tenant, "su@bench.example", PASSWORD)
        added = self.uv.add_kaseyaone_integration(self.su, self.uv_tenant, *MASTER)
        self.uv_instance = added.body["kaseyaone"]["module_instance"]
        self.uv.change_integration_settings(
            self.su,
            self.uv_tenant,
            automatic_user_creation=True,
            automatic_user_deprovisioning=True,
        )
        ada = {
            "userName": "ada",
            "email": "ada@bench.example",
            "firstName": "Ada",
            "lastName": "L",
            "password": PASSWORD,
            "securityLevel": "System Administrator",
            "approvesTimesheets": True,
            "approvesExpenses": True,
        }
        at = self.at.create_tenant(
            "Bench", departments=["Support"], roles=["Tech"], resources=[ada]
        )
        self.at_tenant = at["tenant"]["id"]
        self.ada = Browser()
        self.at.log_in_with_credentials(self.ada, self.at_tenant, "ada", PASSWORD)
        added = self.at.add_kaseyaone_integration(self.ada, self.at_tenant, *MASTER)
        self.at_instance = added.body["kaseyaone"]["module_instance"]
        options = added.body["options"]
        self.levels = {o["label"]: o["value"] for o in options["default_security_level"]}
        defaults = {name: offered[0]["value"] for name, offered in options.items()}
        defaults["default_security_level"] = self.levels["Team Member"]
        changed = self.at.change_integration_settings(
            self.ada, self.at_tenant, automatic_user_provisioning=True, **defaults
        )
        assert changed.ok, changed.body
        self.count = 0
        self.ids: dict[str, str] = {}  # KaseyaOne user ids by email address

    def user(self, *, uniview: bool = False, autotask: bool = False, groups=()) -> str:
        """A new KaseyaOne user, granted access to the modules named; their email address."""
        self.count += 1
        email = f"u{self.count}@bench.example"
        user = self.admin.create_user(email, f"U {self.count}", PASSWORD, groups=groups).body
        for wanted, instance in ((uniview, self.uv_instance), (autotask, self.at_instance)):
            if wanted:
                assert self.admin.grant_module_access(instance, user["id"]).ok
        self.ids[email] = user["id"]
        return email

    def stop(self) -> None:
        self.sims.stop()


def timed(samples: list, warmup: int, index: int, action) -> None:
    started = time.perf_counter()
    action()
    if index >= warmup:
        samples.append(time.perf_counter() - started)


def signins(bench: Bench, module: str, rounds: int, warmup: int) -> dict:
    """Full sign-ins through KaseyaOne to `module` (uniview, autotask, or autotask-groups), each
    by a new user in a fresh browser."""
    samples: list[float] = []
    if module == "autotask-groups":
        sales = next(g["id"] for g in bench.admin.groups().body["groups"] if g["name"] == "Sales")
        mapping = [{"key": sales, "value": bench.levels["Manager"]}]
        bench.at.change_integration_settings(
            bench.ada, bench.at_tenant, access_groups=True, access_group_mappings=mapping
        )
    for i in range(warmup + rounds):
        browser = Browser()
        if module == "uniview":
            email = bench.user(uniview=True)
            timed(
                samples,
                warmup,
                i,
                lambda e=email, b=browser: bench.uv.log_in_with_kaseyaone(
                    b, bench.uv_tenant, bench.k1, e, PASSWORD
                ),
            )
            session = bench.uv.current_session(browser, bench.uv_tenant)
        else:
            email = bench.user(autotask=True, groups=["Sales"] if "groups" in module else ())
            timed(
                samples,
                warmup,
                i,
                lambda e=email, b=browser: bench.at.log_in_with_kaseyaone(
                    b, bench.at_tenant, bench.k1, e, PASSWORD
                ),
            )
            session = bench.at.current_session(browser, bench.at_tenant)
            if "groups" in module:
                assert session["resource"]["securityLevel"] == "Manager", session
        if not session or session["method"] != "kaseyaone":
            raise RuntimeError(f"the sign-in to {module} failed: {session}")
        browser.close()
    return summary(samples)


def provisioning_pushes(bench: Bench, pushes: int) -> dict:
    samples: list[float] = []
    for _ in range(pushes):
        user = bench.admin.create_user(f"p{bench.count}@bench.example", "P", PASSWORD).body
        bench.count += 1
        started = time.perf_counter()
        granted = bench.admin.grant_module_access(bench.at_instance, user["id"])
        samples.append(time.perf_counter() - started)
        assert granted.body["pushes"] == 1, granted.body
    rows = [r for r in bench.k1.outbox(bench.hub_tenant) if r["kind"] == "scim.provision"]
    assert all(r["state"] == "delivered" and r["attempts"] == 1 for r in rows), rows
    return summary(samples)


def deactivation_pushes(bench: Bench, module: str, pushes: int) -> dict:
    emails = []
    for _ in range(pushes):
        if module == "uniview":
            email = bench.user(uniview=True)
            bench.uv.log_in_with_kaseyaone(Browser(), bench.uv_tenant, bench.k1, email, PASSWORD)
        else:
            email = bench.user(autotask=True)  # provisioned at the grant
        emails.append(email)
    samples: list[float] = []
    for email in emails:
        started = time.perf_counter()
        deactivated = bench.admin.deactivate_user(bench.ids[email])
        samples.append(time.perf_counter() - started)
        assert deactivated.body["pushes"] == 1, deactivated.body
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--pushes", type=int, default=30)
    parser.add_argument("--json", help="write the raw summaries (seconds) here")
    args = parser.parse_args()
    bench = Bench()
    try:
        results = {
            "UniView -> KaseyaOne, full sign-in": signins(
                bench, "uniview", args.rounds, args.warmup
            ),
            "Autotask -> KaseyaOne, full sign-in": signins(
                bench, "autotask", args.rounds, args.warmup
            ),
            "Autotask -> KaseyaOne, full sign-in, Access Groups on": signins(
                bench, "autotask-groups", args.rounds, args.warmup
            ),
            "grant in KaseyaOne, provisioning push landed in Autotask": provisioning_pushes(
                bench, args.pushes
            ),
            "deactivation in KaseyaOne, push landed in UniView": deactivation_pushes(
                bench, "uniview", args.pushes
            ),
            "deactivation in KaseyaOne, push landed in Autotask": deactivation_pushes(
                bench, "autotask", args.pushes
            ),
        }
    finally:
        bench.stop()
    print("| what | n | median ms (min-max) |")
    print("|---|---:|---|")
    for name, s in results.items():
        print(f"| {name} | {s['n']} | {ms(s['median'])} ({ms(s['min'])}-{ms(s['max'])}) |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
