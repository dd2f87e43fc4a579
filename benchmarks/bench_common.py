"""Helpers shared by the benchmark scripts; not a benchmark itself.

Only the standard library and `requests`, so that both the project's virtualenv and the peers'
virtualenv (see `peers.py`) can import it: a summary of samples, free loopback ports, waiting
for a server, and one OpenID Connect sign-in (authorization-code flow with PKCE S256, state and
nonce) timed step by step by a plain `requests` client.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import socket
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

REDIRECT_URI = "http://127.0.0.1:9/cb"  # never contacted: the client reads the Location header
STEPS = ("authorize", "login", "callback", "token", "userinfo")
TIMEOUT = 30


def summary(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}" if seconds < 0.001 else f"{seconds * 1000:.1f}"


def compile_project() -> None:
    """Byte-compile the project's packages, as pip does when it installs a package (the peers'
    were): an editable install leaves it to the first import, which writes nothing where
    PYTHONDONTWRITEBYTECODE is set, so that every start of a simulator would compile its
    sources again (100-150 ms of a served start on this machine)."""
    import compileall
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1)


PACKAGES = ("sim_common", "module_contracts", "mock_kaseyaone", "mock_uniview", "mock_autotask")
PACKAGES += ("k1harness",)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    """Poll `url` every 5 ms until it answers 2xx; fail if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    with requests.Session() as http:
        while True:
            try:
                if http.get(url, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the process serving {url} exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout} s")
            time.sleep(0.005)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_uniview(database: str, python: str) -> tuple[subprocess.Popen, str]:
    """`mock-uniview serve` (gunicorn, one worker) in a process of its own, on a database
    seeded beforehand; returns the process and its URL once it answers."""
    import os

    port = free_port()
    command = [os.path.join(os.path.dirname(python), "mock-uniview"), "serve"]
    command += [f"--bind=127.0.0.1:{port}", f"--control-token={secrets.token_hex(16)}"]
    command += ["--workers=1", "--password-hash=fast", "--kaseyaone-url=http://127.0.0.1:9"]
    command += [f"--database-url={database}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/_sim/health", process)
    except RuntimeError:
        stop_process(process)
        raise
    return process, url


@dataclass
class Provider:
    """What a client knows of a provider, and what a person types on its login page(s)."""

    name: str
    issuer: str
    client_id: str
    client_secret: str
    login_forms: list[dict]  # posted in turn, each to the page the previous step ended on
    expect_sub: str | None = None
    endpoints: dict = field(default_factory=dict)

    def discover(self) -> Provider:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        self.endpoints = requests.get(url, timeout=TIMEOUT).json()
        return self


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _walk(http: requests.Session, response: requests.Response):
    """Follow the provider's own redirects as a browser would; stop at a page, or at a redirect
    to the client's redirect_uri (returned as the second value, not followed)."""
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(REDIRECT_URI):
            return response, location
        response = http.get(location, allow_redirects=False, timeout=TIMEOUT)
    return response, None


def _hidden_fields(page: str) -> dict:
    """What a browser sends with a page's form besides what the person types: its hidden inputs
    (a CSRF token, say)."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def sign_in(provider: Provider) -> tuple[dict, dict]:
    """One sign-in by a fresh client session. Returns (seconds per step and in total, and the
    number of HTTP requests), and the userinfo claims."""
    http = requests.Session()
    requests_made = []
    http.hooks["response"].append(lambda r, *a, **k: requests_made.append(r.url))
    verifier, challenge = _pkce()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    marks = [time.perf_counter()]
    page, location = _walk(
        http, http.get(f"{provider.endpoints['authorization_endpoint']}?{query}", timeout=TIMEOUT)
    )
    marks.append(time.perf_counter())
    for form in provider.login_forms:
        if location is not None:
            break
        data = {**_hidden_fields(page.text), **form}
        posted = http.post(page.url, data=data, allow_redirects=False, timeout=TIMEOUT)
        page, location = _walk(http, posted)
    marks.append(time.perf_counter())
    if location is None:
        raise RuntimeError(f"{provider.name}: no code after the login ({page.status_code}) ")
    answer = parse_qs(urlsplit(location).query)
    if answer.get("state") != [state] or "code" not in answer:
        raise RuntimeError(f"{provider.name}: bad callback {location}")
    code = answer["code"][0]
    marks.append(time.perf_counter())
    token = http.post(
        provider.endpoints["token_endpoint"],
        auth=(provider.client_id, provider.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        timeout=TIMEOUT,
    )
    token.raise_for_status()
    marks.append(time.perf_counter())
    info = http.get(
        provider.endpoints["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=TIMEOUT,
    )
    info.raise_for_status()
    marks.append(time.perf_counter())
    http.close()
    times = {step: marks[i + 1] - marks[i] for i, step in enumerate(STEPS)}
    times["total"] = marks[-1] - marks[0]
    times["requests"] = len(requests_made)
    return times, info.json()


def bench_sign_in(provider: Provider, rounds: int, warmup: int) -> dict:
    """Warm up, then `rounds` sign-ins; {step: summary} plus total and requests per sign-in."""
    provider.discover()
    samples: dict[str, list[float]] = {}
    for i in range(warmup + rounds):
        times, claims = sign_in(provider)
        if provider.expect_sub is not None and claims.get("sub") != provider.expect_sub:
            raise RuntimeError(f"{provider.name}: userinfo names {claims.get('sub')}")
        if i >= warmup:
            for key, value in times.items():
                samples.setdefault(key, []).append(value)
    result = {key: summary(values) for key, values in samples.items() if key != "requests"}
    result["requests"] = samples["requests"][0]
    return result
