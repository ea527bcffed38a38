"""The shared HTTP layer (connectors/http.py): retries, Retry-After, typed errors, redaction.

Everything runs against pytest-httpserver or a raw socket on localhost.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from urllib3.response import HTTPResponse
from werkzeug import Response

from connectors import http
from econsec.errors import (
    FetchError,
    HTTPStatusError,
    RateLimitError,
    SourceTimeout,
    SourceUnreachable,
)

SECRET = "s3cr3t-Key-9f8e7d6c5b4a"


def client_logs(caplog) -> str:  # type: ignore[no-untyped-def]
    """Captured log text of the client side (the test server's werkzeug log shows what it received)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))


def test_ok_returns_body_with_provenance(httpserver):
    httpserver.expect_request("/x", query_string={"a": "1"}).respond_with_data(
        b'{"ok": true}', content_type="application/json"
    )
    raw = http.get("test", httpserver.url_for("/x"), {"a": 1}, session=http.make_session(retries=0))
    assert raw.status == 200 and raw.content == b'{"ok": true}'
    assert raw.content_type == "application/json"
    assert raw.url == httpserver.url_for("/x") + "?a=1"
    prov = raw.provenance()
    assert prov["bytes"] == 12 and prov["sha256"] == raw.sha256 and prov["source"] == "test"
    assert raw.retrieved_at.tzinfo is not None
    assert httpserver.log[-1][0].headers["User-Agent"].startswith("econsec/")


def test_429_with_retry_after_zero_is_retried(httpserver):
    httpserver.expect_ordered_request("/x").respond_with_data(
        "busy", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_ordered_request("/x").respond_with_data("fine")
    raw = http.get("test", httpserver.url_for("/x"), session=http.make_session(retries=3, backoff=0))
    assert raw.content == b"fine"
    assert len(httpserver.log) == 2


def test_429_every_time_is_rate_limit_error(httpserver):
    httpserver.expect_request("/x").respond_with_data("busy", status=429, headers={"Retry-After": "0"})
    with pytest.raises(RateLimitError) as info:
        http.get("test", httpserver.url_for("/x"), session=http.make_session(retries=2, backoff=0))
    assert info.value.status == 429 and len(httpserver.log) == 3


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_5xx_is_retried_then_raised(httpserver, retries):
    httpserver.expect_request("/x").respond_with_data("down", status=503)
    with pytest.raises(HTTPStatusError) as info:
        http.get("test", httpserver.url_for("/x"), session=http.make_session(retries=retries, backoff=0))
    assert len(httpserver.log) == retries + 1
    assert info.value.status == 503 and "down" in str(info.value) and "/x" in str(info.value)
    assert not isinstance(info.value, RateLimitError)


def test_4xx_is_not_retried(httpserver):
    httpserver.expect_request("/x").respond_with_data("nope", status=404)
    with pytest.raises(HTTPStatusError, match="HTTP 404: nope") as info:
        http.get("test", httpserver.url_for("/x"), session=http.make_session(retries=3, backoff=0))
    assert info.value.status == 404 and len(httpserver.log) == 1


def test_settings_drive_default_retries(httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "1")
    httpserver.expect_request("/x").respond_with_data("down", status=500)
    with pytest.raises(HTTPStatusError):
        http.get("test", httpserver.url_for("/x"))
    assert len(httpserver.log) == 2


def test_retry_after_is_capped():
    retry = http.make_session(retries=2).get_adapter("http://x").max_retries
    assert isinstance(retry, http._CappedRetry) and retry.total == 2
    asks_an_hour = HTTPResponse(body=b"", headers={"Retry-After": "3600"}, status=429)
    assert retry.get_retry_after(asks_an_hour) == http.MAX_WAIT
    asks_little = HTTPResponse(body=b"", headers={"Retry-After": "2"}, status=429)
    assert retry.get_retry_after(asks_little) == 2
    assert retry.get_retry_after(HTTPResponse(body=b"", status=429)) is None
    assert retry.backoff_max == http.MAX_WAIT


def test_read_timeout_is_source_timeout(httpserver):
    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.5)
        return Response("late")

    httpserver.expect_request("/x").respond_with_handler(slow)
    with pytest.raises(SourceTimeout, match="0.1 s"):
        http.get("test", httpserver.url_for("/x"), session=http.make_session(retries=0), timeout=0.1)


def test_read_timeout_after_retries_is_still_source_timeout(httpserver):
    """With retries urllib3 wraps the timeout in MaxRetryError -> requests ConnectionError."""

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        return Response("late")

    httpserver.expect_request("/x").respond_with_handler(slow)
    with pytest.raises(SourceTimeout):
        http.get("test", httpserver.url_for("/x"), session=http.make_session(retries=1), timeout=0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_source_unreachable():
    url = f"http://127.0.0.1:{_free_port()}/x"
    with pytest.raises(SourceUnreachable, match="cannot connect") as info:
        http.get("test", url, session=http.make_session(retries=1, backoff=0))
    assert info.value.url == url and info.value.source == "test"


def _serve_once(reply: bytes) -> int:
    """A one-shot raw HTTP server on localhost that sends ``reply`` and closes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def run() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(reply)
        server.close()

    threading.Thread(target=run, daemon=True).start()
    return server.getsockname()[1]


def test_truncated_body_is_fetch_error():
    port = _serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    with pytest.raises(FetchError) as info:
        http.get("test", f"http://127.0.0.1:{port}/x", session=http.make_session(retries=0))
    assert not isinstance(info.value, SourceUnreachable | SourceTimeout | HTTPStatusError)


def test_truncated_body_message_says_cut_off():
    port = _serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    with pytest.raises(FetchError, match="cut off"):
        http.get("test", f"http://127.0.0.1:{port}/x", session=http.make_session(retries=0))


def test_redact():
    assert http.redact(f"a {SECRET} b {SECRET}", [SECRET]) == "a *** b ***"
    assert http.redact("nothing", [""]) == "nothing"


def test_secret_never_in_errors_url_or_econsec_logs(httpserver, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("COMTRADE_API_KEY", SECRET)  # a declared secret, so http.redact knows it
    httpserver.expect_request("/ok").respond_with_data("fine")
    httpserver.expect_request("/err").respond_with_data(f"invalid key {SECRET}", status=401)
    session = http.make_session(retries=0)

    raw = http.get("test", httpserver.url_for("/ok"), {"subscription-key": SECRET}, session=session)
    assert SECRET not in raw.url and "subscription-key=***" in raw.url
    assert SECRET not in str(raw.provenance())
    sent = [req for req, _ in httpserver.log if req.path == "/ok"]
    assert sent[0].args["subscription-key"] == SECRET  # it was sent

    with pytest.raises(HTTPStatusError) as info:
        http.get("test", httpserver.url_for("/err"), {"subscription-key": SECRET}, session=session)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert SECRET not in (info.value.url or "") and "invalid key ***" in str(info.value)

    with pytest.raises(SourceUnreachable) as info:
        http.get("test", f"http://127.0.0.1:{_free_port()}/x", {"k": SECRET}, session=session)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    # requests' own exception text holds the full URL: it must not be chained into tracebacks.
    assert info.value.__suppress_context__ and info.value.__cause__ is None
    assert SECRET not in client_logs(caplog)


def test_secret_in_header_not_in_debug_logs(httpserver, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("COMTRADE_API_KEY", SECRET)
    httpserver.expect_request("/x", headers={"X-Key": SECRET}).respond_with_data("down", status=500)
    with pytest.raises(HTTPStatusError):
        http.get("test", httpserver.url_for("/x"), headers={"X-Key": SECRET}, session=http.make_session(1, 0))
    assert SECRET not in client_logs(caplog)


def test_secret_in_params_not_in_debug_logs(httpserver, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("COMTRADE_API_KEY", SECRET)
    httpserver.expect_request("/x").respond_with_data("fine")
    http.get("test", httpserver.url_for("/x"), {"subscription-key": SECRET}, session=http.make_session(0))
    assert SECRET not in client_logs(caplog)


def test_redact_covers_percent_encoded_keys(httpserver, monkeypatch, caplog):
    tricky = "ab+c/d=e"
    monkeypatch.setenv("CENSUS_API_KEY", tricky)
    assert http.redact("key=ab%2Bc%2Fd%3De&x=1") == "key=***&x=1"
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/x").respond_with_data("down", status=500)
    with pytest.raises(HTTPStatusError) as info:
        http.get("test", httpserver.url_for("/x"), {"key": tricky}, session=http.make_session(0))
    for text in (str(info.value), repr(info.value), client_logs(caplog)):
        assert tricky not in text and "ab%2Bc%2Fd%3De" not in text
