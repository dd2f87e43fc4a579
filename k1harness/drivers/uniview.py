"""The UniView Portal driver: its login page and bypass link as a person, Settings >
Integrations through its JSON API as a signed-in user."""

from __future__ import annotations

from dataclasses import dataclass

from .base import ApiResult, SystemDriver, result_of
from .browser import Browser, Page
from .kaseyaone import KaseyaOneDriver


@dataclass
class KaseyaOneSignIn:
    """How a Log In with KaseyaOne attempt went, stage by stage."""

    page: Page  # where the person ended up
    reached_kaseyaone: bool
    kaseyaone_page: Page | None = None  # the page KaseyaOne showed, if the person stayed there
    asked_for_credentials: bool = False  # whether KaseyaOne showed its login form

    @property
    def kaseyaone_error(self) -> str | None:
        page = self.kaseyaone_page
        if page is None:
            return None
        return page.error


class UniViewDriver(SystemDriver):
    def tenant_url(self, tenant: str, path: str = "") -> str:
        return self.url(f"/t/{tenant}/{path.lstrip('/')}")

    # --- as a person, in a browser

    def login_page(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant, "login"))

    def log_in_with_credentials(
        self, browser: Browser, tenant: str, username: str, password: str
    ) -> Page:
        return browser.submit(
            self.login_page(browser, tenant), "login", username=username, password=password
        )

    def log_in_through_link(
        self, browser: Browser, link: str, username: str, password: str
    ) -> Page:
        page = browser.open(link)
        if page.status != 200:
            return page
        return browser.submit(page, "login", username=username, password=password)

    def log_in_with_kaseyaone(
        self, browser: Browser, tenant: str, kaseyaone: KaseyaOneDriver, email: str, password: str
    ) -> KaseyaOneSignIn:
        """Click Log In with KaseyaOne, sign in on KaseyaOne's form if it asks, come back."""
        start = self.open_kaseyaone_login(browser, tenant, login_hint=email)
        return self.through_kaseyaone(browser, start, kaseyaone, email, password)

    @staticmethod
    def through_kaseyaone(
        browser: Browser, page: Page, kaseyaone: KaseyaOneDriver, email: str, password: str
    ) -> KaseyaOneSignIn:
        """Carry on a sign-in a module started (from its login page, a tile or the launcher)
        from wherever the browser stopped: KaseyaOne's form, filled in; a KaseyaOne refusal
        with a way back, taken as a person would; or back at the module already, KaseyaOne's
        session having answered."""
        asked = kaseyaone.is_login_page(page)
        if asked:
            page = kaseyaone.submit_login(browser, page, email, password)
        reached = asked or kaseyaone.passed_through(page)
        if not page.url.startswith(kaseyaone.base_url):
            return KaseyaOneSignIn(page, reached, asked_for_credentials=asked)
        back = browser.follow(page, "continue") if page.has_link("continue") else page
        return KaseyaOneSignIn(back, True, kaseyaone_page=page, asked_for_credentials=asked)

    def open_kaseyaone_login(
        self, browser: Browser, tenant: str, login_hint: str | None = None
    ) -> Page:
        """Click Log In with KaseyaOne (the person's email passed on as a login hint)."""
        hint = {"login_hint": login_hint} if login_hint else {}
        return browser.open(self.tenant_url(tenant, "login/kaseyaone"), **hint)

    @staticmethod
    def made_up_link_like(link: str, secret: str) -> str:
        """A log-in link of the same shape as `link` with another secret in it."""
        return link[: link.rindex("/") + 1] + secret

    def home(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant))

    def log_out(self, browser: Browser, tenant: str) -> Page:
        """Log out from the dashboard, following wherever UniView sends the browser."""
        page = self.home(browser, tenant)
        return browser.submit(page, page.form_posting_to("/logout"))

    @staticmethod
    def launcher(page: Page) -> dict:
        """KaseyaOne's launcher in a page's header: `kind` (waffle, icon or None), and for the
        waffle, `home` (My KaseyaOne) and `modules` (module instance id -> where it leads);
        for the icon, `login` (where it leads)."""
        if page.has_link("k1-icon"):
            return {"kind": "icon", "login": page.link("k1-icon")}
        if page.has_link("k1-home"):
            return {
                "kind": "waffle",
                "home": page.link("k1-home"),
                "modules": page.links_starting("k1-module-"),
                "unavailable": page.element_text("k1-unavailable") or None,
            }
        return {"kind": None}

    def scim_journal(self, tenant: str) -> list[dict]:
        """The SCIM requests UniView received for the tenant (KaseyaOne's pushes), in order."""
        return [e for e in self.journal(tenant) if "/scim/v2/" in e["url"]]

    def current_session(self, browser: Browser, tenant: str) -> dict | None:
        response = browser.http.get(self.tenant_url(tenant, "api/session"), timeout=self.timeout)
        return response.json() if response.status_code == 200 else None

    def integrations_page(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant, "settings/integrations"))

    # --- the JSON API, with the browser's session

    def api(
        self, browser: Browser, tenant: str, method: str, path: str, json: dict | None = None
    ) -> ApiResult:
        return result_of(
            browser.http.request(
                method, self.tenant_url(tenant, "api/" + path), json=json, timeout=self.timeout
            )
        )

    def add_kaseyaone_integration(
        self, browser: Browser, tenant: str, master_email: str, master_password: str
    ) -> ApiResult:
        return self.api(
            browser,
            tenant,
            "POST",
            "integrations/kaseyaone",
            {"master_email": master_email, "master_password": master_password},
        )

    def integration(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "integrations/kaseyaone")

    def change_integration_settings(self, browser: Browser, tenant: str, **changes) -> ApiResult:
        return self.api(browser, tenant, "PATCH", "integrations/kaseyaone", changes)

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
