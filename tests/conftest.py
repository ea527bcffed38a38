"""Shared fixtures. No test may touch the internet: any connection to a host that is
not loopback fails loudly (tests that need HTTP use a local server)."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest
from hypothesis import settings

DATA = Path(__file__).parent / "data"

# Property tests give the same examples on every run, so CI cannot fail on a new draw (it happened: a
# subnormal float); `pytest --hypothesis-profile=explore` searches anew, with the example database.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.register_profile("fuzz-deep", parent=settings.get_profile("ci"), max_examples=2000)  # test_fuzz_parsers
settings.load_profile("ci")

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkAccessError(RuntimeError):
    pass


def _guarded_connect(self: socket.socket, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback(host):
        raise NetworkAccessError(f"a test tried to connect to {address!r}; tests must not touch the network")
    return _real_connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if host is not None and not _is_loopback(host if isinstance(host, str) else host.decode()):
        raise NetworkAccessError(f"a test tried to resolve {host!r}; tests must not touch the network")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """Each test gets its own empty data dir, fast retries, and no API keys from the host."""
    monkeypatch.setenv("ECONSEC_DATA_DIR", str(tmp_path / "econsec-data"))
    monkeypatch.setenv("ECONSEC_HTTP_BACKOFF", "0")
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "5")
    for key in ("COMTRADE_API_KEY", "CENSUS_API_KEY"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def data_dir() -> Path:
    return DATA
