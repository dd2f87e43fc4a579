"""What gunicorn answers itself, before a served simulator's application runs — a request line or
headers over its limits, a request it cannot parse — is a JSON error like every other answer
(`{"error", "message"}`), not gunicorn's HTML page."""

import json
import socket
from urllib.parse import urlsplit

import pytest

from k1harness.served import start_served


@pytest.fixture(scope="module")
def served():
    simulators = start_served(workers=1)
    yield simulators
    simulators.stop()


def raw_exchange(url: str, request: bytes) -> tuple[int, dict, bytes]:
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize("system", ["kaseyaone", "uniview"])
@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: v\r\n" % i for i in range(101))
            + b"\r\n",
            431,
        ),
        (b"NOT A REQUEST\r\n\r\n", 400),
    ],
    ids=["long-request-line", "large-header", "many-headers", "garbage"],
)
def test_gunicorns_own_refusals_are_json_errors(served, system, request_bytes, status):
    answered, headers, body = raw_exchange(served.urls[system], request_bytes)
    assert answered == status, body
    assert headers["content-type"].startswith("application/json"), body
    error = json.loads(body)
    assert error["error"] and error["message"], error
