"""What the drivers share: a base URL, the control plane behind its bearer token, and JSON
results that steps can assert on."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from ..exchanges import recorded_session


class DriverError(AssertionError):
    """A call the harness needed to succeed did not: the message says what came back."""


@dataclass
class ApiResult:
    status: int
    body: dict

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def error(self) -> str | None:
        return None if self.ok else self.body.get("error")


def result_of(response: requests.Response) -> ApiResult:
    try:
        body = response.json()
    except ValueError:
        body = {"error": "not_json", "message": response.text[:500]}
    return ApiResult(response.status_code, body if isinstance(body, dict) else {"body": body})


class SystemDriver:
    def __init__(
        self, base_url: str, control_token: str | None = None, timeout: float = 30.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = recorded_session()
        if control_token:
            self._control_headers = {"Authorization": f"Bearer {control_token}"}
        else:
            self._control_headers = {}

    def url(self, path: str) -> str:
        return self.base_url + path

    def control(self, method: str, path: str, json: dict | None = None) -> dict:
        response = self.http.request(
            method,
            self.url("/_sim" + path),
            json=json,
            headers=self._control_headers,
            timeout=self.timeout,
        )
        if response.status_code >= 400:
            raise DriverError(
                f"{method} /_sim{path} answered {response.status_code}: {response.text[:500]}"
            )
        return response.json() if response.content else {}

    def ready(self, control_plane: bool = True) -> bool:
        """A simulator's health check, or for a system without a control plane, any answer
        short of a server error from its base URL."""
        try:
            if control_plane:
                return self.http.get(self.url("/_sim/health"), timeout=self.timeout).ok
            return self.http.get(self.base_url + "/", timeout=self.timeout).status_code < 500
        except requests.RequestException:
            return False

    def control_authorized(self) -> bool:
        """Whether the control plane takes this driver's token (a made-up tenant is then not
        found, rather than the call refused)."""
        response = self.http.get(
            self.url("/_sim/tenants/-/clock"), headers=self._control_headers, timeout=self.timeout
        )
        return response.status_code != 401

    def create_tenant(self, name: str, **seed) -> dict:
        return self.control("POST", "/tenants", {"name": name, **seed})

    def delete_tenant(self, tenant_id: str) -> None:
        self.control("DELETE", f"/tenants/{tenant_id}")

    def advance_clock(self, tenant_id: str, seconds: float) -> dict:
        return self.control("POST", f"/tenants/{tenant_id}/clock/advance", {"seconds": seconds})

    def journal(self, tenant_id: str) -> list[dict]:
        return self.control("GET", f"/tenants/{tenant_id}/journal")["entries"]

    def inject_fault(self, tenant_id: str, kind: str, count: int = 1, **how) -> dict:
        """Make the next `count` requests of `kind` this system receives for the tenant fail."""
        return self.control(
            "POST", f"/tenants/{tenant_id}/faults", {"kind": kind, "count": count, **how}
        )

    def outbox(self, tenant_id: str) -> list[dict]:
        return self.control("GET", f"/tenants/{tenant_id}/outbox")["entries"]

    def run_jobs(self, tenant_id: str) -> dict:
        return self.control("POST", f"/tenants/{tenant_id}/jobs/run")
