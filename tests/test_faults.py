"""Fault injection: `econsec refresh` against a fake UN Comtrade on loopback that misbehaves.

For each fault the refresh retries within ECONSEC_HTTP_RETRIES (requests are counted), gives up with
a clear message, keeps the last good data (the store's generation and files are byte-for-byte
unchanged), and records the failure in sources.json and history.json. Faults that HTTP cannot
express (resets, silence, trickled bodies) come from a raw socket server.

Already covered elsewhere, not repeated here: 503 every time (tests/test_refresh.py, 3 requests),
connection refused and truncated bodies on the HTTP layer (tests/test_http.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from connectors import comtrade, http
from dashboard.cli import main
from econsec import refresh
from econsec.store import Store
from tests.test_refresh import VALUES, FakeComtrade

RETRIES = 2  # ECONSEC_HTTP_RETRIES in these tests: one call and at most two retries
PREVIEW = "/public/v1/preview/C/A/HS"


def _point_at(monkeypatch: pytest.MonkeyPatch, httpserver) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", str(RETRIES))
    monkeypatch.setattr(comtrade, "default_queries", lambda: [
        comtrade.ComtradeQuery(reporters=("USA",), partners=None, periods=("2024",), cmd_codes=("280530",))])


@pytest.fixture(scope="module")
def good_store(make_httpserver, tmp_path_factory) -> Path:
    """A data dir after one good refresh (US imports of 280530 in 2024), built once: a refresh recomputes
    every indicator, which takes seconds; each test gets a copy."""
    path = tmp_path_factory.mktemp("good") / "data"
    make_httpserver.clear()  # the session's server may still hold an earlier test's handlers
    make_httpserver.expect_request(PREVIEW).respond_with_handler(FakeComtrade(dict(VALUES)))
    with pytest.MonkeyPatch.context() as monkeypatch:
        _point_at(monkeypatch, make_httpserver)
        monkeypatch.setenv("ECONSEC_HTTP_BACKOFF", "0")
        [outcome] = refresh.run(["un_comtrade"], store=Store(path))
    make_httpserver.clear()
    assert outcome.ok and outcome.rows == 4
    return path


@pytest.fixture
def api(httpserver, monkeypatch, good_store) -> FakeComtrade:
    """The good fake Comtrade, and a store holding its data from a first refresh."""
    shutil.copytree(good_store, Store().path)
    fake = FakeComtrade(dict(VALUES))
    httpserver.expect_request(PREVIEW).respond_with_handler(fake)
    _point_at(monkeypatch, httpserver)
    assert _served_values(Store()) == GOOD
    return fake


def _fingerprint(store: Store) -> dict[str, str]:
    """sha256 of every file of the store except the state files and raw responses (which a run updates)."""
    out = {}
    for path in sorted(store.path.rglob("*")):
        relative = path.relative_to(store.path).as_posix()
        if path.is_file() and not relative.startswith(("raw/", "sources.json", "history.json", ".")):
            out[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _served_values(store: Store) -> dict[str, float]:
    trade = store.read("trade")
    fresh = trade[trade["source_url"].str.startswith("http://")]
    return {r.partner: r.value_usd for r in fresh.itertuples()}


GOOD = {"WLD": 1000.0, "CHN": 700.0, "JPN": 200.0, "KOR": 100.0}


def refresh_fails(message: str) -> refresh.Outcome:
    """Run the refresh that must fail; check the store is untouched and the failure recorded."""
    store = Store()
    before, generation = _fingerprint(store), store.current_dir()
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert not outcome.ok
    assert message in outcome.error, outcome.error
    assert "un_comtrade" in outcome.error and "Traceback" not in outcome.error
    assert store.current_dir() == generation and _fingerprint(store) == before  # nothing written
    assert _served_values(Store()) == GOOD  # the last good data is still served
    status = refresh.status(store)["un_comtrade"]
    assert status["last_error"] == outcome.error and status["last_success"]
    last = refresh.history(store, 1)[0]
    assert last["status"] == "failed" and last["error"] == outcome.error
    return outcome


# ------------------------------------------------------------------------------ a raw socket server
class RawServer:
    """A loopback TCP server calling ``handle(conn, n)`` for the n-th connection (from 0); counts them."""

    def __init__(self, handle: Callable[[socket.socket, int], None]) -> None:
        self.handle = handle
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            n, self.connections = self.connections, self.connections + 1
            threading.Thread(target=self._serve, args=(conn, n), daemon=True).start()

    def _serve(self, conn: socket.socket, n: int) -> None:
        with conn:
            try:
                conn.recv(65536)  # the request
                self.handle(conn, n)
            except OSError:
                pass  # the client gave up first

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def raw_server(monkeypatch, api) -> Iterator[Callable[[Callable[[socket.socket, int], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(handle: Callable[[socket.socket, int], None]) -> RawServer:
        server = RawServer(handle)
        servers.append(server)
        monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", server.url)
        return server

    yield start
    for server in servers:
        server.stop()


def _reset(conn: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a crashed proxy does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _good_body() -> bytes:
    from tests.test_refresh import row

    rows = [row(842, p, "280530", "2024", v) for (r, p, c, y), v in VALUES.items() if r == 842]
    return json.dumps({"elapsedTime": "0", "count": len(rows), "data": rows, "error": ""}).encode()


def _ok_reply(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


# ------------------------------------------------------------------------------------------ faults
def test_connection_refused_keeps_the_last_good_data(api, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    refresh_fails("offline or unreachable")
    assert time.monotonic() - started < 5  # a refused connection is retried once at most, without waiting


def test_reset_before_the_answer_is_retried_then_given_up(raw_server):
    server = raw_server(lambda conn, n: _reset(conn))
    refresh_fails("cannot connect")
    assert server.connections == RETRIES + 1


def test_reset_in_the_middle_of_the_body_is_retried_then_given_up(raw_server):
    def half_then_reset(conn: socket.socket, n: int) -> None:
        reply = _ok_reply(_good_body())
        conn.sendall(reply[: len(reply) // 2])
        _reset(conn)

    server = raw_server(half_then_reset)
    outcome = refresh_fails("cut off")
    assert f"{RETRIES + 1} attempts" in outcome.error
    assert server.connections == RETRIES + 1


def test_a_reset_mid_body_that_recovers_stores_the_data(raw_server):
    def reset_once(conn: socket.socket, n: int) -> None:
        reply = _ok_reply(_good_body())
        if n == 0:
            conn.sendall(reply[:100])
            _reset(conn)
        else:
            conn.sendall(reply)

    server = raw_server(reset_once)
    [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert outcome.ok and outcome.unchanged == 4 and server.connections == 2


def test_silence_is_a_timeout_after_the_retries(raw_server, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.3")
    server = raw_server(lambda conn, n: time.sleep(1.0))
    started = time.monotonic()
    refresh_fails("no answer within 0.3 s")
    assert server.connections == RETRIES + 1
    assert time.monotonic() - started < 3 * 1.0 + 2


def test_a_trickled_body_is_cut_at_the_deadline(raw_server, monkeypatch):
    """Each byte comes well within the read timeout, the whole body never does: stopped at 10 x timeout."""
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.2")
    stop = threading.Event()

    def trickle(conn: socket.socket, n: int) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        while not stop.is_set():
            conn.sendall(b" ")
            time.sleep(0.05)

    server = raw_server(trickle)
    started = time.monotonic()
    try:
        refresh_fails(f"did not arrive within {http.BODY_DEADLINE_FACTOR * 0.2:g} s")
    finally:
        stop.set()
    assert server.connections == 1  # a slow source is not asked again
    assert time.monotonic() - started < http.BODY_DEADLINE_FACTOR * 0.2 + 3


def _replies(httpserver, *replies: Response) -> list[Request]:
    """Serve ``replies`` in order (the last one repeats); returns the list of requests received."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return replies[min(len(seen) - 1, len(replies) - 1)]

    httpserver.clear()
    httpserver.expect_request(PREVIEW).respond_with_handler(handler)
    return seen


def _good_response() -> Response:
    return Response(_good_body(), content_type="application/json")


def test_429_without_retry_after_backs_off_then_gives_up(api, httpserver):
    seen = _replies(httpserver, Response("slow down", status=429))
    refresh_fails("HTTP 429: rate limited, still after the retries")
    assert len(seen) == RETRIES + 1


def test_429_with_retry_after_is_waited_for_and_recovers(api, httpserver):
    seen = _replies(httpserver, Response("busy", status=429, headers={"Retry-After": "1"}), _good_response())
    started = time.monotonic()
    [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert outcome.ok and len(seen) == 2
    assert time.monotonic() - started >= 1.0  # the wait the source asked for


@pytest.mark.parametrize("retry_after", ["3600", "Fri, 31 Dec 2099 23:59:59 GMT"])
def test_an_absurd_retry_after_gives_up_at_once(api, httpserver, retry_after):
    seen = _replies(httpserver, Response("come back later", status=429, headers={"Retry-After": retry_after}))
    started = time.monotonic()
    outcome = refresh_fails("HTTP 429")
    assert f"more than the {http.MAX_WAIT:g} s econsec waits" in outcome.error
    assert len(seen) == 1 and time.monotonic() - started < 5


def test_an_unreadable_retry_after_falls_back_to_the_back_off(api, httpserver):
    seen = _replies(httpserver, Response("busy", status=429, headers={"Retry-After": "soon-ish"}))
    refresh_fails("HTTP 429: rate limited")
    assert len(seen) == RETRIES + 1


def test_a_5xx_burst_that_recovers_stores_the_new_data(api, httpserver):
    seen = _replies(httpserver, Response("bad gateway", status=502), Response("busy", status=503), _good_response())
    [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert outcome.ok and len(seen) == 3 and outcome.unchanged == 4
    assert refresh.status()["un_comtrade"]["last_error"] is None


def test_a_5xx_burst_longer_than_the_retries_fails(api, httpserver):
    seen = _replies(httpserver, Response("a", status=500), Response("b", status=502), Response("c", status=504),
                    _good_response())
    refresh_fails("HTTP 504: c")
    assert len(seen) == RETRIES + 1


def _schema_change(rename: dict[str, str | None]) -> Response:
    body = json.loads(_good_body())
    for r in body["data"]:
        for old, new in rename.items():
            value = r.pop(old)
            if new:
                r[new] = value
    return Response(json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("rename, message", [
    ({"primaryValue": "primary_value", "cifvalue": None, "fobvalue": None}, "primaryValue"),
    ({"partnerCode": None}, "partnerCode"),
    ({"flowCode": "flow"}, "flowCode"),
])
def test_a_source_that_changes_its_schema_is_refused_with_the_field_named(api, httpserver, rename, message):
    seen = _replies(httpserver, _schema_change(rename))
    refresh_fails(message)
    assert len(seen) == 1  # a well-formed answer is not asked again


# ------------------------------------------------------------------ the store after a malformed payload
@pytest.mark.parametrize("body", [b'{"count": 4, "data": [{"reporterCode": 842', b"\xff\xfe<html>", b"",
                                  b'{"count": 1, "data": [{"oops": 1}], "error": ""}'])
def test_a_malformed_payload_leaves_the_store_unchanged_and_the_cli_serves_the_last_good_data(api, httpserver,
                                                                                              body):
    _replies(httpserver, Response(body, content_type="application/json"))
    refresh_fails("un_comtrade")
    result = CliRunner().invoke(main, ["data", "--source", "un_comtrade", "--format", "csv"])
    assert result.exit_code == 0 and "http://localhost" in result.stdout
    result = CliRunner().invoke(main, ["sources"])
    assert "last run: failed" in result.stdout and "last error:" in result.stdout


def test_the_retry_bound_follows_the_setting(api, httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")
    seen = _replies(httpserver, Response("down", status=503))
    refresh_fails("HTTP 503")
    assert len(seen) == 1


def test_raw_responses_of_a_failed_run_do_not_replace_the_good_ones(api, httpserver):
    store = Store()
    good_runs = sorted(p.name for p in store.raw_dir("un_comtrade").iterdir())
    _replies(httpserver, Response(b"{broken", content_type="application/json"))
    refresh_fails("un_comtrade")
    runs = sorted(p.name for p in store.raw_dir("un_comtrade").iterdir())
    assert set(good_runs) <= set(runs)  # the good run's bodies are kept to re-parse offline
    kept = Path(store.raw_dir("un_comtrade"), good_runs[0])
    assert any(p.suffix == ".body" for p in kept.iterdir())
