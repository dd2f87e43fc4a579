"""Password guessing on both simulators: refusing an unknown account costs what refusing a known
one does (counted in hash computations, not timed), and wrong passwords are throttled per
account and per client address — 429 with Retry-After, a page for a person, JSON for
programs, access_denied back to the module at KaseyaOne's sign-in — set per tenant through the
control plane and counted on the tenant's simulated clock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select
from support import add_uniview_integration, csrf_token, post_form, uniview_app

import mock_kaseyaone
import mock_uniview
import sim_common.passwords as passwords
from k1harness.embedded import serve
from mock_uniview.models import Integration, LoginFailure
from sim_common.passwords import FAST
from sim_common.throttle import ThrottleSettings

STRICT = {"max_failures": 3, "window_seconds": 600, "lockout_seconds": 300}


class HashCounter:
    def __init__(self, monkeypatch) -> None:
        self.count = 0
        self._lock = threading.Lock()
        for name in ("generate_password_hash", "check_password_hash"):
            monkeypatch.setattr(passwords, name, self._counted(getattr(passwords, name)))

    def _counted(self, function):
        def counted(*args, **kwargs):
            with self._lock:
                self.count += 1
            return function(*args, **kwargs)

        return counted

    def during(self, action) -> int:
        before = self.count
        action()
        return self.count - before


@pytest.fixture
def hashes(monkeypatch):
    return HashCounter(monkeypatch)


def throttle(app, tenant="acme", **settings):
    answer = app.test_client().put(f"/_sim/tenants/{tenant}/throttling", json=settings)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def log_in(client, username="su@acme.test", password="wrong", **kwargs):
    return post_form(
        client, "/t/acme/login", {"username": username, "password": password}, **kwargs
    )


def test_refusing_an_unknown_account_costs_one_hash_as_a_known_one_does(hashes):
    client = uniview_app().test_client()
    csrf_token(client, "/t/acme/login")
    known = hashes.during(lambda: log_in(client))
    log_in(client, "first@acme.test")  # may make the stand-in hash, once for all
    unknown = [hashes.during(lambda name=f"n{i}@acme.test": log_in(client, name)) for i in range(3)]
    assert known == 1 and unknown == [1, 1, 1]


def test_the_throttle_is_off_embedded_and_set_per_tenant_through_the_control_plane():
    app = uniview_app()
    control = app.test_client()
    assert control.get("/_sim/tenants/acme/throttling").get_json() == {
        "enabled": False,
        "source": "simulator",
    }
    assert throttle(app, max_failures=3) == {
        "enabled": True,
        "source": "tenant",
        "max_failures": 3,
        "max_client_failures": 50,
        "window_seconds": 900,
        "lockout_seconds": 900,
    }
    for bad in ({"max_failures": -1}, {"window_seconds": 0}, {"lockout": 5}, {"max_failures": "3"}):
        answer = control.put("/_sim/tenants/acme/throttling", json=bad)
        assert answer.status_code == 400 and answer.get_json()["field"] == next(iter(bad))
    assert control.get("/_sim/tenants/acme/throttling").get_json()["max_failures"] == 3
    assert control.delete("/_sim/tenants/acme/throttling").get_json()["enabled"] is False
    assert control.get("/_sim/tenants/nope/throttling").status_code == 404
    served = uniview_app(LOGIN_THROTTLE=ThrottleSettings()).test_client()
    assert served.get("/_sim/tenants/acme/throttling").get_json()["source"] == "simulator"
    assert served.get("/_sim/tenants/acme/throttling").get_json()["max_failures"] == 5
    embedder = uniview_app(LOGIN_THROTTLE={"max_failures": 2}).test_client()
    assert embedder.get("/_sim/tenants/acme/throttling").get_json()["max_failures"] == 2


def test_wrong_passwords_lock_the_account_until_the_tenants_clock_moves_on(hashes, real_time_held):
    app = uniview_app()
    throttle(app, **STRICT)
    person = app.test_client()
    assert [log_in(person).status_code for _ in range(3)] == [401, 401, 401]
    locked = log_in(person, password="pw")  # the right password too, while locked
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "300"
    page = locked.get_data(as_text=True)
    assert 'data-error="too_many_attempts"' in page and "Try again in 5 minutes" in page
    program = log_in(person, password="pw", headers={"Accept": "application/json"})
    assert program.status_code == 429
    assert program.get_json()["error"] == "too_many_attempts"
    assert program.get_json()["retry_after"] == 300
    # Refused before any hashing: a burst of guesses at a locked account costs nothing.
    assert hashes.during(lambda: [log_in(person) for _ in range(30)]) == 0
    app.test_client().post("/_sim/tenants/acme/clock/advance", json={"seconds": 300})
    assert log_in(person, password="pw").status_code == 302


def test_the_window_forgets_old_failures_and_a_right_password_starts_afresh():
    app = uniview_app()
    throttle(app, **STRICT)
    person = app.test_client()
    log_in(person), log_in(person)
    app.test_client().post("/_sim/tenants/acme/clock/advance", json={"seconds": 600})
    log_in(person), log_in(person)
    assert log_in(person, password="pw").status_code == 302
    assert [log_in(person).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_an_unknown_account_is_locked_as_a_known_one_is():
    """Else being locked out would tell which accounts exist."""
    app = uniview_app()
    throttle(app, **STRICT)
    person = app.test_client()
    assert [log_in(person, "nobody@acme.test").status_code for _ in range(4)] == [
        401,
        401,
        401,
        429,
    ]


def test_names_tried_once_are_forgotten_when_their_window_has_passed():
    app = uniview_app()
    throttle(app, max_failures=3, window_seconds=60)
    guesser = app.test_client()
    for i in range(5):
        log_in(guesser, f"n{i}@acme.test")
    app.test_client().post("/_sim/tenants/acme/clock/advance", json={"seconds": 60})
    log_in(guesser, "late@acme.test")
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        kept = session.scalars(select(LoginFailure.scope).order_by(LoginFailure.scope)).all()
    assert kept == ["account", "client"]  # the last attempt's, in their window


def test_a_client_address_is_throttled_across_accounts():
    app = uniview_app()
    throttle(app, max_failures=0, max_client_failures=4, lockout_seconds=60)
    guesser = app.test_client()
    answers = [log_in(guesser, f"n{i}@acme.test").status_code for i in range(5)]
    assert answers == [401, 401, 401, 401, 429]
    elsewhere = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}}
    assert log_in(app.test_client(), password="pw", **elsewhere).status_code == 302


@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client_throttled(trusted_proxies):
    app = uniview_app(TRUSTED_PROXIES=trusted_proxies)
    throttle(app, max_failures=0, max_client_failures=2, lockout_seconds=60)

    def through_the_proxy(client_address):
        return {
            "environ_base": {"REMOTE_ADDR": "10.0.0.1"},
            "headers": {"X-Forwarded-For": client_address},
        }

    guesser = app.test_client()
    answers = [
        log_in(guesser, f"n{i}@acme.test", **through_the_proxy("192.0.2.1")).status_code
        for i in range(3)
    ]
    assert answers == [401, 401, 429]
    someone_else = log_in(app.test_client(), password="pw", **through_the_proxy("192.0.2.2"))
    # Without a trusted proxy, everyone behind it is one client, locked out together.
    assert someone_else.status_code == (302 if trusted_proxies else 429)


def test_with_neither_accounts_nor_addresses_counted_no_password_is_refused_for_guessing():
    app = uniview_app()
    throttle(app, max_failures=0, max_client_failures=0)
    guesser = app.test_client()
    assert {log_in(guesser).status_code for _ in range(8)} == {401}
    assert log_in(guesser, password="pw").status_code == 302


def test_the_log_in_link_is_throttled_too():
    app = uniview_app()
    add_uniview_integration(app, "acme")
    throttle(app, **STRICT)
    person = app.test_client()
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        link = f"/t/acme/login/bypass/{session.get(Integration, 'acme').bypass_token}"
    form = {"username": "su@acme.test", "password": "wrong"}
    assert [post_form(person, link, form).status_code for _ in range(4)] == [401, 401, 401, 429]


def wrong_passwords_at_once(tmp_path, guesses: int, max_failures: int, around=None) -> list:
    """`guesses` wrong passwords for one account posted together to a UniView served on loopback
    over an SQLite file (throttled per account only); their statuses. `around(burst)` runs the
    burst (to count what it costs)."""
    server = serve(
        "uniview",
        lambda url: mock_uniview.create_app(
            {
                "PASSWORD_HASH_METHOD": FAST,
                "PUBLIC_URL": url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'uv.sqlite3'}",
            }
        ),
    )
    try:
        requests.post(
            f"{server.url}/_sim/tenants",
            json={
                "id": "acme",
                "users": [{"username": "su@acme.test", "password": "pw", "role": "superuser"}],
            },
            timeout=10,
        )
        requests.put(
            f"{server.url}/_sim/tenants/acme/throttling",
            json={"max_failures": max_failures, "max_client_failures": 0},
            timeout=10,
        )
        browser = requests.Session()
        browser.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=guesses))
        page = browser.get(f"{server.url}/t/acme/login", timeout=10).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"csrf_token": token, "username": "su@acme.test", "password": "wrong"}

        def guess(_):
            # What is counted is hashing, not time: a machine busy with other work may keep
            # thirty writers to one SQLite file waiting long, and that is no failure here.
            return browser.post(f"{server.url}/t/acme/login", data=form, timeout=120).status_code

        answers = []

        def burst():
            with ThreadPoolExecutor(max_workers=guesses) as pool:
                answers.extend(pool.map(guess, range(guesses)))

        (around or (lambda run: run()))(burst)
    finally:
        server.stop()
    return answers


def test_concurrent_wrong_passwords_cost_at_most_the_allowance_in_hashing(tmp_path, hashes):
    hashed = []
    answers = wrong_passwords_at_once(
        tmp_path, 30, max_failures=5, around=lambda burst: hashed.append(hashes.during(burst))
    )
    assert set(answers) <= {401, 429} and answers.count(401) <= 5 and len(answers) == 30
    assert hashed[0] <= 5


def test_twenty_sign_ins_checking_their_passwords_at_once_all_get_their_answer(
    tmp_path, monkeypatch
):
    # Each request holds its own connection while its password is checked, and took a second
    # one just before to count the attempt: twenty of them at the check at once need more than
    # a default pool of fifteen, which made them wait for each other until its timeout (500).
    at_once = threading.Barrier(20, timeout=60)
    check = passwords.check_password_hash

    def check_with_the_others(*args, **kwargs):
        at_once.wait()
        return check(*args, **kwargs)

    monkeypatch.setattr(passwords, "check_password_hash", check_with_the_others)
    assert wrong_passwords_at_once(tmp_path, 20, max_failures=50) == [401] * 20


# KaseyaOne: its sign-in for modules, the Admin Settings sign-in and the admin API.


@pytest.fixture
def hub():
    app = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    client.post(
        "/_sim/tenants",
        json={
            "id": "acme",
            "users": [{"email": "m@acme.test", "name": "Mia", "password": "pw", "master": True}],
        },
    )
    throttle(app, **STRICT)
    return app


def test_a_locked_out_user_is_sent_back_to_the_module_with_access_denied(hub, real_time_held):
    instance = (
        hub.test_client()
        .post(
            "/api/v1/module-instances",
            auth=("m@acme.test", "pw"),
            json={"module": "uniview", "redirect_uris": ["http://uv.test/cb"]},
        )
        .get_json()
    )
    page = "/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": instance["client_id"],
            "redirect_uri": "http://uv.test/cb",
            "scope": "openid",
            "state": "s1",
            "code_challenge": "A" * 43,
            "code_challenge_method": "S256",
        }
    )
    browser = hub.test_client()
    wrong = {"email": "m@acme.test", "password": "wrong"}
    assert [post_form(browser, page, wrong).status_code for _ in range(3)] == [401] * 3
    locked = post_form(browser, page, {"email": "m@acme.test", "password": "pw"})
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "300"
    refusal = locked.get_data(as_text=True)
    assert "Too many failed sign-ins" in refusal and "Location" not in locked.headers
    assert 'href="http://uv.test/cb?error=access_denied&amp;error_description=Too+many' in refusal
    assert "state=s1" in refusal


def test_admin_settings_and_the_admin_api_are_throttled(hub, real_time_held):
    browser = hub.test_client()
    wrong = {"email": "m@acme.test", "password": "wrong"}
    assert [post_form(browser, "/admin/login", wrong).status_code for _ in range(3)] == [401] * 3
    page = post_form(browser, "/admin/login", {"email": "m@acme.test", "password": "pw"})
    assert page.status_code == 429 and page.headers["Retry-After"] == "300"
    assert 'data-error="too_many_attempts"' in page.get_data(as_text=True)
    api = hub.test_client().get("/api/v1/users", auth=("m@acme.test", "pw"))
    assert api.status_code == 429 and api.headers["Retry-After"] == "300"
    assert api.get_json()["error"] == "too_many_attempts"
    hub.test_client().post("/_sim/tenants/acme/clock/advance", json={"seconds": 300})
    assert hub.test_client().get("/api/v1/users", auth=("m@acme.test", "pw")).status_code == 200
