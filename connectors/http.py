"""HTTP for every connector: one session with timeouts, retries and back-off.

Retries use urllib3's ``Retry``: HTTP 429 and 5xx, and connection resets, are retried
with exponential back-off, and a ``Retry-After`` header is honoured (capped, so a
source asking for an hour cannot hang a refresh: a wait longer than the cap is not waited at all,
the request fails at once with a RateLimitError that says so). A body is read against a deadline
(:data:`BODY_DEADLINE_FACTOR` × the timeout), so a source trickling bytes cannot hang a refresh
either, and a connection reset or cut while the body is read is retried like a reset before the
answer (at most ``retries`` times). Every failure ends in a typed
:mod:`econsec.errors` exception naming the source and the URL *without* secrets.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from econsec import __version__, settings
from econsec.errors import (
    FetchError,
    HTTPStatusError,
    RateLimitError,
    SourceTimeout,
    SourceUnreachable,
)
from econsec.redact import REDACTED, RedactSecrets, redact  # noqa: F401 - re-exported: connectors.http.redact etc.

log = logging.getLogger(__name__)

USER_AGENT = f"econsec/{__version__} (+https://github.com/econsec/econsec)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: Longest wait econsec accepts from a Retry-After header or the back-off, in seconds.
MAX_WAIT = 120.0
#: A whole body must arrive within this many times the timeout (the timeout bounds each wait for
#: bytes; this bounds a source that trickles a byte now and then): 300 s with the default 30 s.
BODY_DEADLINE_FACTOR = 10
CHUNK = 1 << 16


class _CappedRetry(Retry):
    """urllib3 Retry whose Retry-After wait is capped at MAX_WAIT; a source asking for longer is not
    retried at all (waiting the cap and asking again would only be refused again), and an unreadable
    Retry-After falls back to the back-off instead of failing the request."""

    def _asked_wait(self, response) -> float | None:  # type: ignore[no-untyped-def]
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        wait = self._asked_wait(response)
        return None if wait is None else min(wait, MAX_WAIT)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[no-untyped-def]
        if response is not None and self.respect_retry_after_header:
            wait = self._asked_wait(response)
            if wait is not None and wait > MAX_WAIT:  # urllib3 then hands back this response
                raise MaxRetryError(_pool, url or "", f"Retry-After {wait:.0f} s is more than {MAX_WAIT:g} s")
        return super().increment(method, url, response, error, _pool, _stacktrace)


@dataclass(frozen=True)
class RawResponse:
    """A response body with the provenance needed to re-parse it without the network."""

    source: str
    url: str  # full URL with query, secrets replaced by ***
    status: int
    content: bytes
    content_type: str
    retrieved_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def provenance(self) -> dict[str, object]:
        return {
            "source": self.source,
            "url": self.url,
            "status": self.status,
            "content_type": self.content_type,
            "retrieved_at": self.retrieved_at.isoformat(),
            "sha256": self.sha256,
            "bytes": len(self.content),
        }


for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "urllib3.poolmanager"):
    logging.getLogger(_name).addFilter(RedactSecrets())


def make_session(retries: int | None = None, backoff: float | None = None) -> requests.Session:
    retry = _CappedRetry(
        total=settings.http_retries() if retries is None else retries,
        # A refused or unresolvable host is retried once only: offline, a refresh should fail fast.
        connect=min(1, settings.http_retries() if retries is None else retries),
        read=None,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=settings.http_backoff() if backoff is None else backoff,
        backoff_max=MAX_WAIT,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand the last response back so we raise our own error
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def get(
    source: str,
    url: str,
    params: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    session: requests.Session | None = None,
    timeout: float | None = None,
) -> RawResponse:
    """GET ``url`` and return the body with provenance, or raise a typed FetchError.

    Secrets may travel in ``params`` or ``headers``; they never reach an error, a log
    line or ``RawResponse.url``. The original requests exception is dropped (``from None``)
    because its text holds the full URL, key included.
    """
    session = session or make_session()
    timeout = settings.http_timeout() if timeout is None else timeout
    shown = redact(url + ("?" + urlencode(params or {}, doseq=True) if params else ""))
    retry = getattr(session.get_adapter(url), "max_retries", None)
    body_retries = retry.total if isinstance(retry, Retry) and isinstance(retry.total, int) else 0
    backoff = retry.backoff_factor if isinstance(retry, Retry) else 0.0
    for attempt in range(body_retries + 1):
        log.info("GET %s", shown)
        try:
            response, content = _get_once(session, url, params, headers, timeout, source, shown)
            break
        except _BodyCut:
            if attempt == body_retries:
                raise FetchError(f"the response body was cut off (connection reset or closed early; "
                                 f"{attempt + 1} attempts)", source=source, url=shown) from None
            wait = min(backoff * 2**attempt, MAX_WAIT)
            log.warning("the body from %s was cut off; retrying in %g s", shown, wait)
            time.sleep(wait)

    status = response.status_code
    if status == 429:
        raise RateLimitError("rate limited, still after the retries" + _asked(response), source=source, url=shown,
                             status=status)
    if status >= 400:
        snippet = redact(content[:200].decode("utf-8", "replace")).strip()
        raise HTTPStatusError((snippet or response.reason or "error") + _asked(response), source=source, url=shown,
                              status=status)
    return RawResponse(
        source=source,
        url=shown,
        status=status,
        content=content,
        content_type=response.headers.get("Content-Type", ""),
    )


class _BodyCut(Exception):
    """The connection broke while the body was read (retried by ``get``)."""


def _asked(response: requests.Response) -> str:
    """``; the source asks to wait N s ...`` when a Retry-After beyond MAX_WAIT stopped the retries."""
    wait = _CappedRetry()._asked_wait(response.raw) if response.raw is not None else None
    if wait is not None and wait > MAX_WAIT:
        return f"; the source asks to wait {wait:.0f} s, more than the {MAX_WAIT:g} s econsec waits: try later"
    return ""


def _read_body(response: requests.Response, deadline: float, timeout: float, source: str, shown: str) -> bytes:
    """The whole body, or SourceTimeout when it has not all arrived by ``deadline`` (monotonic)."""
    chunks = []
    try:
        while True:
            chunk = response.raw.read1(CHUNK, decode_content=True)  # whatever has arrived, at most one recv
            if not chunk:
                break
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise SourceTimeout(f"the body did not arrive within {BODY_DEADLINE_FACTOR * timeout:g} s "
                                    f"({sum(map(len, chunks)):,} bytes so far; the source is sending too slowly)",
                                    source=source, url=shown)
    finally:
        response.close()
    return b"".join(chunks)


def _get_once(session: requests.Session, url: str, params: Mapping[str, object] | None,
              headers: Mapping[str, str] | None, timeout: float, source: str, shown: str
              ) -> tuple[requests.Response, bytes]:
    deadline = time.monotonic() + BODY_DEADLINE_FACTOR * timeout
    try:
        response = session.get(url, params=params, headers=headers, timeout=timeout, stream=True)
        content = _read_body(response, deadline, timeout, source, shown)
    except (ProtocolError, requests.exceptions.ChunkedEncodingError):
        # A body shorter than its Content-Length, or a reset while it was read.
        raise _BodyCut() from None
    except ReadTimeoutError:
        raise SourceTimeout(f"no answer within {timeout:g} s", source=source, url=shown) from None
    except requests.exceptions.Timeout:
        raise SourceTimeout(f"no answer within {timeout:g} s", source=source, url=shown) from None
    except requests.exceptions.ConnectionError as exc:
        if _is_timeout(exc):
            raise SourceTimeout(f"no answer within {timeout:g} s", source=source, url=shown) from None
        raise SourceUnreachable(
            f"cannot connect ({type(exc).__name__}); offline or the host is down",
            source=source,
            url=shown,
        ) from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"request failed: {type(exc).__name__}", source=source, url=shown) from None
    return response, content


def _is_timeout(exc: BaseException) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError) or "timed out" in str(exc).lower()

