"""Both simulators served as a staging deployment looks to QA: accounts that already exist,
created by seed files (fixtures/seed/accounts-*.json), and set up once through the systems' own
APIs as an administrator would have set up staging: UniView's superuser adds the KaseyaOne
integration with the master user's credentials, and the master user grants access to the
UniView module and deactivates a user. fixtures/targets/provisioned-local.toml names those
accounts by the parts they play; the suite runs against them without a control plane."""

from __future__ import annotations

import json
from pathlib import Path

from .drivers import Browser, KaseyaOneDriver, UniViewDriver
from .drivers.base import DriverError
from .targets import Target, load_target

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = {
    "kaseyaone": ROOT / "fixtures" / "seed" / "accounts-kaseyaone.json",
    "uniview": ROOT / "fixtures" / "seed" / "accounts-uniview.json",
}
TARGET_FILE = ROOT / "fixtures" / "targets" / "provisioned-local.toml"
# The seed files' passwords: throwaway accounts of a throwaway deployment.
PASSWORD_ENV = "K1_ACCOUNTS_PASSWORD"
PASSWORD = json.loads(SEED_FILES["kaseyaone"].read_text())["tenants"][0]["users"][0]["password"]
# KaseyaOne users granted access to the UniView module instance, and who is then deactivated.
GRANTED = ("user_with_access", "deactivated_user", "user_without_account")
DEACTIVATED = ("deactivated_user",)


def accounts_target(urls: dict[str, str]) -> Target:
    return load_target(
        TARGET_FILE,
        urls=urls,
        environ={PASSWORD_ENV: PASSWORD},
    )


def _ok(result, what: str) -> dict:
    if not result.ok:
        raise DriverError(f"{what} failed: {result.status} {result.body}")
    return result.body


def set_up(urls: dict[str, str]) -> Target:
    """Make the served simulators at `urls` (seeded with SEED_FILES) what the target file
    says: the integration added, access granted, a user deactivated."""
    target = accounts_target(urls)
    accounts, tenant = target.accounts, target.systems["uniview"].tenant
    hub, module = KaseyaOneDriver(urls["kaseyaone"]), UniViewDriver(urls["uniview"])
    superuser, master = accounts["superuser"], accounts["master_user"]
    browser = Browser()
    try:
        module.log_in_with_credentials(browser, tenant, superuser.username, superuser.password)
        if module.current_session(browser, tenant) is None:
            raise DriverError(f"The superuser {superuser.username} cannot sign in to {tenant}.")
        added = _ok(
            module.add_kaseyaone_integration(browser, tenant, master.username, master.password),
            "Adding the KaseyaOne integration",
        )
    finally:
        browser.close()
    instance = added["kaseyaone"]["module_instance"]
    admin = hub.admin(master.username, master.password)
    ids = {u["email"]: u["id"] for u in _ok(admin.users(), "Listing users")["users"]}
    for part in GRANTED:
        user = ids[accounts[part].username]
        _ok(admin.grant_module_access(instance, user), f"Granting {part} access")
    for part in DEACTIVATED:
        _ok(admin.deactivate_user(ids[accounts[part].username]), f"Deactivating {part}")
    return target
