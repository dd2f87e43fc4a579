"""The Autotask driver: resources read through the Autotask-shaped REST API (as an API user, so
that a real Autotask sandbox can be read the same way), its login page, Bypass URL and Log In
with KaseyaOne as a person, LiveMobile's sign-in as the app, and Admin > Extensions &
Integrations > Kaseya Integrations > KaseyaOne through the simulator's JSON API as a signed-in
administrator (what every module's driver has: k1harness.drivers.module)."""

from __future__ import annotations

from .base import ApiResult, DriverError, result_of
from .browser import Browser, Page
from .kaseyaone import KaseyaOneDriver
from .module import KaseyaOneSignIn, ModuleDriver

REST = "/ATServicesRest/V1.0"


class AutotaskRest:
    """Autotask's REST API as one API user (`{"userName", "secret", "integrationCode"}`, as the
    simulator's seed answers it, or a real sandbox's API user)."""

    def __init__(self, driver: AutotaskDriver, api_user: dict) -> None:
        self.driver = driver
        self.headers = {
            "ApiIntegrationCode": api_user["integrationCode"],
            "UserName": api_user["userName"],
            "Secret": api_user["secret"],
        }

    def _call(self, method: str, url: str, json: dict | None = None) -> dict:
        response = self.driver.http.request(
            method, url, json=json, headers=self.headers, timeout=self.driver.timeout
        )
        if response.status_code >= 400:
            raise DriverError(f"{method} {url} answered {response.status_code}: {response.text}")
        return response.json()

    def query_resources(self, *conditions: dict) -> list[dict]:
        """Every resource matching all the filter conditions (`{"op", "field", "value"}`),
        page after page (Autotask answers at most 500 at a time, with `nextPageUrl`)."""
        body = {"filter": list(conditions) or [{"op": "exist", "field": "id"}]}
        page = self._call("POST", self.driver.url(f"{REST}/Resources/query"), body)
        found = list(page["items"])
        while page["pageDetails"].get("nextPageUrl"):
            page = self._call("POST", page["pageDetails"]["nextPageUrl"], body)
            found += page["items"]
        return found

    def resources_with(self, field: str, value) -> list[dict]:
        return self.query_resources({"op": "eq", "field": field, "value": value})

    def resource(self, resource_id: int) -> dict:
        return self._call("GET", self.driver.url(f"{REST}/Resources/{resource_id}"))["item"]


class AutotaskDriver(ModuleDriver):
    def rest(self, api_user: dict) -> AutotaskRest:
        return AutotaskRest(self, api_user)

    # --- as a person, in a browser

    def log_in_with_kaseyaone(
        self, browser: Browser, tenant: str, kaseyaone: KaseyaOneDriver, email: str, password: str
    ) -> KaseyaOneSignIn:
        """Click Log In with KaseyaOne on Autotask's login page, sign in on KaseyaOne's form if
        it asks, come back."""
        page = self.login_page(browser, tenant)
        if not page.has_link("kaseyaone-login"):
            # No button to click: ask for the sign-in as the button would, to be told why.
            page = self.open_kaseyaone_login(browser, tenant, login_hint=email)
        else:
            page = browser.open(page.link("kaseyaone-login"), login_hint=email)
        return self.through_kaseyaone(browser, page, kaseyaone, email, password)

    def integration_page(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant, "admin/integrations/kaseyaone"))

    # --- LiveMobile, as the app

    def livemobile_login(self, tenant: str, username: str, password: str) -> ApiResult:
        return result_of(
            self.http.post(
                self.tenant_url(tenant, "livemobile/login"),
                json={"username": username, "password": password},
                timeout=self.timeout,
            )
        )

    # --- the simulator's JSON API, with the browser's session

    def grant_exceptions(self, browser: Browser, tenant: str, users: list) -> ApiResult:
        """User Exceptions: several users picked at once (ids or user names)."""
        return self.api(
            browser, tenant, "PUT", "integrations/kaseyaone/exceptions", {"users": users}
        )

    def withdraw_exception(self, browser: Browser, tenant: str, user) -> ApiResult:
        return self.api(browser, tenant, "DELETE", f"integrations/kaseyaone/exceptions/{user}")

    def kaseyaone_groups(self, browser: Browser, tenant: str) -> ApiResult:
        """KaseyaOne's groups, as Autotask reads them to map them to Security Levels."""
        return self.api(browser, tenant, "GET", "integrations/kaseyaone/groups")

    def resources(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "resources")

    def add_resource(self, browser: Browser, tenant: str, **fields) -> ApiResult:
        return self.api(browser, tenant, "POST", "resources", fields)

    def change_resource(self, browser: Browser, tenant: str, ref, **changes) -> ApiResult:
        return self.api(browser, tenant, "PATCH", f"resources/{ref}", changes)
