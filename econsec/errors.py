"""One error hierarchy for the whole project.

Every error a user can meet is one of these, with a message that names what was
being done (source, URL without secrets, column, file) so it can be acted on::

    EconsecError
    ├── ConfigError              a bad setting or command-line value
    ├── SourceError              anything about talking to a public source
    │   ├── FetchError           the request did not produce a usable HTTP answer
    │   │   ├── HTTPStatusError  an error status after the retries (has .status)
    │   │   │   └── RateLimitError   HTTP 429 after the retries
    │   │   ├── SourceTimeout    connect or read timeout
    │   │   └── SourceUnreachable    DNS, refused, reset: no answer at all
    │   └── ParseError           the answer came but is not what the API documents
    │       └── EmptyResultError the answer is well formed but holds no rows
    ├── ValidationError          a frame breaks its tidy schema (names columns, rows)
    └── StoreError               the data directory cannot be read or written
"""

from __future__ import annotations


class EconsecError(Exception):
    """Base class of every error raised on purpose by econsec."""


class ConfigError(EconsecError):
    """A setting, environment variable or command-line value is not valid."""


class SourceError(EconsecError):
    """A problem with a public source; carries the source id and the (redacted) URL."""

    def __init__(self, message: str, *, source: str, url: str | None = None) -> None:
        self.source = source
        self.url = url
        where = f" [{source}" + (f" {url}" if url else "") + "]"
        super().__init__(message + where)


class FetchError(SourceError):
    """The request did not produce a usable HTTP response."""


class HTTPStatusError(FetchError):
    def __init__(self, message: str, *, source: str, url: str | None, status: int) -> None:
        self.status = status
        super().__init__(f"HTTP {status}: {message}", source=source, url=url)


class RateLimitError(HTTPStatusError):
    """HTTP 429 persisted through every retry."""


class SourceTimeout(FetchError):
    """The source did not answer within the timeout."""


class SourceUnreachable(FetchError):
    """No connection could be made (offline, DNS, refused, reset)."""


class ParseError(SourceError):
    """A response that does not have the documented shape."""


class EmptyResultError(ParseError):
    """A well-formed response with no data rows."""


class ValidationError(EconsecError):
    """A frame does not conform to its tidy schema."""


class StoreError(EconsecError):
    """The store cannot be read or written."""
