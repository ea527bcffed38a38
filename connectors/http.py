"""HTTP for every connector: one session with timeouts, retries and back-off.

Retries use urllib3's ``Retry``: HTTP 429 and 5xx, and connection resets, are retried
with exponential back-off, and a ``Retry-After`` header is honoured (capped, so a
source asking for an hour cannot hang a refresh). Every failure ends in a typed
:mod:`econsec.errors` exception naming the source and the URL *without* secrets.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus, urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from econsec import __version__, settings
from econsec.errors import (
    FetchError,
    HTTPStatusError,
    RateLimitError,
    SourceTimeout,
    SourceUnreachable,
)

log = logging.getLogger(__name__)

USER_AGENT = f"econsec/{__version__} (+https://github.com/econsec/econsec)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: Longest wait econsec accepts from a Retry-After header or the back-off, in seconds.
MAX_WAIT = 120.0
REDACTED = "***"


class _CappedRetry(Retry):
    """urllib3 Retry whose Retry-After wait is capped at MAX_WAIT."""

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, MAX_WAIT)


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


def redact(text: str, secrets: list[str] | None = None) -> str:
    """Replace every configured secret value in ``text`` by ***, also as it appears percent-encoded
    in a URL (a key with ``+``, ``/`` or ``=`` is written ``%2B``, ``%2F``, ``%3D`` there)."""
    for value in secrets if secrets is not None else settings.secret_values():
        if value:
            for form in {value, quote(value, safe=""), quote_plus(value, safe="")}:
                text = text.replace(form, REDACTED)
    return text


class _RedactSecrets(logging.Filter):
    """urllib3 logs request lines, query string included, at DEBUG: scrub secrets from them."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = settings.secret_values()
        if secrets:
            message = record.getMessage()
            clean = redact(message, secrets)
            if clean != message:
                record.msg, record.args = clean, ()
        return True


for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "urllib3.poolmanager"):
    logging.getLogger(_name).addFilter(_RedactSecrets())


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
    log.info("GET %s", shown)
    try:
        response = session.get(url, params=params, headers=headers, timeout=timeout)
        content = response.content  # reads the body: a truncated body fails here
    except requests.exceptions.ChunkedEncodingError:
        # Not a ConnectionError in requests: a body shorter than its Content-Length.
        raise FetchError("the response body was cut off", source=source, url=shown) from None
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

    status = response.status_code
    if status == 429:
        raise RateLimitError("rate limited, still after the retries", source=source, url=shown, status=status)
    if status >= 400:
        snippet = redact(content[:200].decode("utf-8", "replace")).strip()
        raise HTTPStatusError(snippet or response.reason or "error", source=source, url=shown, status=status)
    return RawResponse(
        source=source,
        url=shown,
        status=status,
        content=content,
        content_type=response.headers.get("Content-Type", ""),
    )


def _is_timeout(exc: BaseException) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError) or "timed out" in str(exc).lower()

