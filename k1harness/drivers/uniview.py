"""The UniView Portal driver: its login page and bypass link as a person, Settings >
Integrations through its JSON API as a signed-in user (what every module's driver has:
k1harness.drivers.module)."""

from __future__ import annotations

from .base import ApiResult
from .browser import Browser, Page
from .kaseyaone import KaseyaOneDriver
from .module import KaseyaOneSignIn, ModuleDriver


class UniViewDriver(ModuleDriver):
    # --- as a person, in a browser

    def log_in_through_link(
        self, browser: Browser, link: str, username: str, password: str
    ) -> Page:
        return self.log_in_through_bypass_url(browser, link, username, password)

    def log_in_with_kaseyaone(
        self, browser: Browser, tenant: str, kaseyaone: KaseyaOneDriver, email: str, password: str
    ) -> KaseyaOneSignIn:
        """Click Log In with KaseyaOne, sign in on KaseyaOne's form if it asks, come back."""
        start = self.open_kaseyaone_login(browser, tenant, login_hint=email)
        return self.through_kaseyaone(browser, start, kaseyaone, email, password)

    @staticmethod
    def made_up_link_like(link: str, secret: str) -> str:
        """A log-in link of the same shape as `link` with another secret in it."""
        return link[: link.rindex("/") + 1] + secret

    def scim_journal(self, tenant: str) -> list[dict]:
        """The SCIM requests UniView received for the tenant (KaseyaOne's pushes), in order."""
        return [e for e in self.journal(tenant) if "/scim/v2/" in e["url"]]

    def integrations_page(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant, "settings/integrations"))

    # --- the JSON API, with the browser's session

    def grant_login_exception(self, browser: Browser, tenant: str, username: str) -> ApiResult:
        return self.api(browser, tenant, "PUT", f"integrations/kaseyaone/exceptions/{username}")

    def withdraw_login_exception(self, browser: Browser, tenant: str, username: str) -> ApiResult:
        return self.api(browser, tenant, "DELETE", f"integrations/kaseyaone/exceptions/{username}")

    def integration_users(self, browser: Browser, tenant: str, fmt: str = "json"):
        """The list of the integration's users a superuser keeps before a reset."""
        params = {"format": "csv"} if fmt == "csv" else None
        return browser.http.get(
            self.tenant_url(tenant, "api/integrations/kaseyaone/users"),
            params=params,
            timeout=self.timeout,
        )

    def reset_integration(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "DELETE", "integrations/kaseyaone")

    def users(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "users")

    def create_user(
        self, browser: Browser, tenant: str, username: str, name: str, role: str, password: str
    ) -> ApiResult:
        body = {"username": username, "name": name, "role": role, "password": password}
        return self.api(browser, tenant, "POST", "users", body)

    def change_user(self, browser: Browser, tenant: str, username: str, **changes) -> ApiResult:
        return self.api(browser, tenant, "PATCH", f"users/{username}", changes)

    # --- Settings > Groups and Organizations (superuser), and what a user sees

    def groups(self, browser: Browser, tenant: str) -> ApiResult:
        """Every group, where it came from, the organizations it is mapped to, and the state of
        the Access Groups sync."""
        return self.api(browser, tenant, "GET", "groups")

    def groups_page(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant, "settings/groups"))

    def add_group(self, browser: Browser, tenant: str, name: str) -> ApiResult:
        return self.api(browser, tenant, "POST", "groups", {"name": name})

    def rename_group(self, browser: Browser, tenant: str, group_id: str, name: str) -> ApiResult:
        return self.api(browser, tenant, "PATCH", f"groups/{group_id}", {"name": name})

    def remove_group(self, browser: Browser, tenant: str, group_id: str) -> ApiResult:
        return self.api(browser, tenant, "DELETE", f"groups/{group_id}")

    def user_groups(self, browser: Browser, tenant: str, username: str) -> ApiResult:
        return self.api(browser, tenant, "GET", f"users/{username}/groups")

    def set_user_groups(
        self, browser: Browser, tenant: str, username: str, group_ids: list[str]
    ) -> ApiResult:
        return self.api(browser, tenant, "PUT", f"users/{username}/groups", {"groups": group_ids})

    def organizations(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "organizations")

    def add_organization(
        self, browser: Browser, tenant: str, name: str, *, groups=(), appliances=(), backups=()
    ) -> ApiResult:
        body = {
            "name": name,
            "groups": list(groups),
            "appliances": list(appliances),
            "backups": list(backups),
        }
        return self.api(browser, tenant, "POST", "organizations", body)

    def edit_organization(
        self, browser: Browser, tenant: str, organization_id: str, **changes
    ) -> ApiResult:
        return self.api(browser, tenant, "PATCH", f"organizations/{organization_id}", changes)

    def organizations_page(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant, "organizations"))

    def visible_organizations(self, browser: Browser, tenant: str) -> ApiResult:
        """The organizations (and their data) the signed-in user sees."""
        return self.api(browser, tenant, "GET", "my/organizations")

    # --- what Cooper reads (superuser): appliances, jobs, conditional alarms, the PSA

    def add_appliance(self, browser: Browser, tenant: str, asset_tag: str, **fields) -> ApiResult:
        return self.api(browser, tenant, "POST", "appliances", {"asset_tag": asset_tag, **fields})

    def change_appliance(
        self, browser: Browser, tenant: str, asset_tag: str, **changes
    ) -> ApiResult:
        return self.api(browser, tenant, "PATCH", f"appliances/{asset_tag}", changes)

    def add_protected_asset(
        self, browser: Browser, tenant: str, asset_tag: str, name: str
    ) -> ApiResult:
        return self.api(browser, tenant, "POST", "assets", {"asset_tag": asset_tag, "name": name})

    def jobs(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "jobs")

    def add_job(self, browser: Browser, tenant: str, **job) -> ApiResult:
        """`type` (dca, backup_copy), `asset_tag`, `name`, `schedule`, `target`."""
        return self.api(browser, tenant, "POST", "jobs", job)

    def change_job(self, browser: Browser, tenant: str, job_id: str, **changes) -> ApiResult:
        """`schedule` (None: on demand only), `name`, `target`."""
        return self.api(browser, tenant, "PATCH", f"jobs/{job_id}", changes)

    def remove_job(self, browser: Browser, tenant: str, job_id: str) -> ApiResult:
        return self.api(browser, tenant, "DELETE", f"jobs/{job_id}")

    def conditional_alarms(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "conditional-alarms")

    def add_conditional_alarm(
        self, browser: Browser, tenant: str, type: str, threshold_hours: int
    ) -> ApiResult:
        body = {"type": type, "threshold_hours": threshold_hours}
        return self.api(browser, tenant, "POST", "conditional-alarms", body)

    def remove_conditional_alarm(self, browser: Browser, tenant: str, alarm_id: str) -> ApiResult:
        return self.api(browser, tenant, "DELETE", f"conditional-alarms/{alarm_id}")

    def psa_integration(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "psa-integration")

    def add_psa_integration(
        self, browser: Browser, tenant: str, psa: str, close_ticket_status: str | None = None
    ) -> ApiResult:
        body = {"psa": psa, "close_ticket_status": close_ticket_status}
        return self.api(browser, tenant, "POST", "psa-integration", body)

    def change_psa_integration(self, browser: Browser, tenant: str, **changes) -> ApiResult:
        return self.api(browser, tenant, "PATCH", "psa-integration", changes)

    def remove_psa_integration(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "DELETE", "psa-integration")

    def map_organization_to_psa(
        self, browser: Browser, tenant: str, organization_id: str, company: str
    ) -> ApiResult:
        path = f"organizations/{organization_id}/psa-company"
        return self.api(browser, tenant, "PUT", path, {"company": company})

    def unmap_organization_from_psa(
        self, browser: Browser, tenant: str, organization_id: str
    ) -> ApiResult:
        return self.api(browser, tenant, "DELETE", f"organizations/{organization_id}/psa-company")

    @staticmethod
    def page_name(page: Page) -> str | None:
        """Which of UniView's settings pages this is (appliances, jobs, alarms, psa), if one."""
        return page.data("page").get("page")
