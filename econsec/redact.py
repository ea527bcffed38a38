"""Keeping secrets out of text and logs: :func:`redact` and the :class:`RedactSecrets` log filter.

Light on purpose (the standard library and :mod:`econsec.settings` only): the dashboard installs the
filter on its request logs when it starts, and serving a page must not import the HTTP client stack
(``requests``) that :mod:`connectors.http`, which re-exports these names, is built on.

>>> redact("key=s3cr%2Bt&x=1", ["s3cr+t"])
'key=***&x=1'
"""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

from econsec import settings

REDACTED = "***"


def redact(text: str, secrets: list[str] | None = None) -> str:
    """Replace every configured secret value in ``text`` by ***, also as it appears percent-encoded
    in a URL (a key with ``+``, ``/`` or ``=`` is written ``%2B``, ``%2F``, ``%3D`` there)."""
    for value in secrets if secrets is not None else settings.secret_values():
        if value:
            for form in {value, quote(value, safe=""), quote_plus(value, safe="")}:
                text = text.replace(form, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Scrubs every configured secret from a log line: urllib3 logs request lines, query string
    included, at DEBUG; Werkzeug's and gunicorn's access logs (:mod:`dashboard.security`) write the
    whole request line, a ``?token=`` link included."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = settings.secret_values()
        if secrets:
            message = record.getMessage()
            clean = redact(message, secrets)
            if clean != message:
                record.msg, record.args = clean, ()
        return True
