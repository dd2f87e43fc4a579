"""What a failing scenario's report shows of its HTTP exchanges: never a secret."""

from k1harness.exchanges import redact_body, redact_url


def test_urls_lose_codes_states_and_bypass_tokens():
    url = redact_url("http://uv/t/acme/oidc/callback?code=abc123&state=xyz&other=kept")
    assert "abc123" not in url and "xyz" not in url and "other=kept" in url
    assert redact_url("http://uv/t/acme/login/bypass/S3CR3T?x=1") == (
        "http://uv/t/acme/login/bypass/***?x=1"
    )


def test_form_and_json_bodies_lose_passwords_and_tokens():
    form = redact_body(
        b"username=ann%40x.test&password=hunter2", "application/x-www-form-urlencoded"
    )
    assert "hunter2" not in form and "ann%40x.test" in form
    body = redact_body(
        '{"access_token": "at", "client_secret": "cs", "bypass_login_link": '
        '"http://uv/t/a/login/bypass/S3CR3T", "name": "Ann"}',
        "application/json",
    )
    assert "S3CR3T" not in body and '"at"' not in body and '"cs"' not in body and "Ann" in body


def test_json_bodies_keep_what_is_not_a_secret_an_outbox_rows_state():
    body = redact_body(
        '{"kind": "scim.patch", "state": "failing", "last_error": "503", "token": "t0k"}',
        "application/json",
    )
    assert '"state": "failing"' in body and "t0k" not in body
