"""Every setting econsec reads, declared in one place (name, default, help).

Settings come from the environment only. Names are ``ECONSEC_*``; API keys use
the names their services document (``COMTRADE_API_KEY``, ``CENSUS_API_KEY``)
and are never printed, logged or stored. ``README.md`` lists every setting; a
test keeps the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from econsec.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ECONSEC_DATA_DIR",
        None,
        "Directory of the store (refreshed data and indicators). Default: the per-user data "
        "directory (e.g. ~/.local/share/econsec). While it holds no data the bundled snapshot is used.",
    ),
    Setting(
        "ECONSEC_COMTRADE_BASE_URL",
        "https://comtradeapi.un.org",
        "Base URL of the UN Comtrade API v1 (point it at a local server for tests).",
    ),
    Setting(
        "COMTRADE_API_KEY",
        None,
        "UN Comtrade subscription key (Ocp-Apim-Subscription-Key). Without it the keyless "
        "preview endpoint is used (at most 500 rows per call).",
        secret=True,
    ),
    Setting(
        "ECONSEC_WORLDBANK_BASE_URL",
        "https://api.worldbank.org/v2",
        "Base URL of the World Bank Indicators API v2.",
    ),
    Setting(
        "ECONSEC_IMF_BASE_URL",
        "https://api.imf.org/external/sdmx/3.0",
        "Base URL of the IMF SDMX 3.0 API (IMTS, the successor of Direction of Trade Statistics).",
    ),
    Setting(
        "ECONSEC_CENSUS_BASE_URL",
        "https://api.census.gov/data",
        "Base URL of the US Census Bureau data API (international trade time series).",
    ),
    Setting(
        "CENSUS_API_KEY",
        None,
        "US Census Bureau API key (sent as the `key` parameter). Optional: without it the API allows "
        "up to 500 calls a day per IP address.",
        secret=True,
    ),
    Setting(
        "ECONSEC_USGS_BASE_URL",
        "https://www.sciencebase.gov/catalog",
        "Base URL of USGS ScienceBase, which hosts the Mineral Commodity Summaries data releases.",
    ),
    Setting(
        "ECONSEC_OECD_BASE_URL",
        "https://sdmx.oecd.org/public/rest",
        "Base URL of the OECD SDMX REST API (FDI statistics by counterpart).",
    ),
    Setting(
        "ECONSEC_HTTP_TIMEOUT", "30", "Seconds to wait for a source to connect or send data; a whole body must "
        "arrive within 10× this."
    ),
    Setting(
        "ECONSEC_HTTP_RETRIES",
        "4",
        "Retries after a failed request (HTTP 429/5xx, reset); back-off doubles each time and "
        "honours Retry-After.",
    ),
    Setting(
        "ECONSEC_HTTP_BACKOFF",
        "1.0",
        "Back-off factor in seconds between retries (1, 2, 4, ... times this), capped at 120 s.",
    ),
    Setting("ECONSEC_LOG_LEVEL", "INFO", "Log level: DEBUG, INFO, WARNING or ERROR."),
    # -- schedule (``econsec schedule``, ``econsec serve --schedule``): cron expressions in UTC ------------------
    Setting("ECONSEC_SCHEDULE_UN_COMTRADE", "0 3 5 * *",
            "When to refresh UN Comtrade: a five-field cron expression in UTC (monthly data), or `off`."),
    Setting("ECONSEC_SCHEDULE_IMF", "0 4 6 * *", "When to refresh the IMF (monthly data): cron in UTC, or `off`."),
    Setting("ECONSEC_SCHEDULE_US_CENSUS", "0 5 7 * *",
            "When to refresh the US Census Bureau (monthly data): cron in UTC, or `off`."),
    Setting("ECONSEC_SCHEDULE_WORLDBANK", "0 3 2 1,4,7,10 *",
            "When to refresh the World Bank (annual series, checked quarterly): cron in UTC, or `off`."),
    Setting("ECONSEC_SCHEDULE_OECD", "0 4 3 1,4,7,10 *",
            "When to refresh the OECD (quarterly FDI): cron in UTC, or `off`."),
    Setting("ECONSEC_SCHEDULE_USGS", "0 5 15 2,8 *",
            "When to refresh USGS (the yearly Mineral Commodity Summaries, checked twice a year): cron in UTC, "
            "or `off`."),
    Setting("ECONSEC_MISFIRE_GRACE_SECONDS", "86400",
            "How late (seconds) a scheduled refresh may still start, e.g. after the machine slept; runs missed "
            "meanwhile are coalesced into one."),
    Setting("ECONSEC_STALE_GRACE_DAYS", "7",
            "Days of grace after a source's cadence before its data is flagged STALE."),
    # -- alerts on goal-status changes --------------------------------------------------------------------------
    Setting("ECONSEC_ALERT_WEBHOOK_URL", None,
            "If set, goal-status alerts are POSTed here as JSON. Treated as a secret (webhook URLs carry tokens).",
            secret=True),
    Setting("ECONSEC_SMTP_HOST", None, "If set (with the two addresses below), alerts are also sent by e-mail."),
    Setting("ECONSEC_SMTP_PORT", "587", "SMTP port (STARTTLS is used when the server offers it)."),
    Setting("ECONSEC_SMTP_USER", None, "SMTP user name, if the server needs a login."),
    Setting("ECONSEC_SMTP_PASSWORD", None, "SMTP password for `ECONSEC_SMTP_USER`.", secret=True),
    Setting("ECONSEC_ALERT_EMAIL_TO", None, "Recipients of alert e-mails, comma-separated."),
    Setting("ECONSEC_ALERT_EMAIL_FROM", None, "Sender address of alert e-mails."),
    # -- serving (dashboard/security.py, dashboard/gunicorn_conf.py) --------------------------------------------
    Setting("ECONSEC_AUTH_TOKEN", None,
            "If set (at least 16 characters), every request needs `Authorization: Bearer <token>` or the cookie "
            "set by opening the dashboard once with `?token=<token>`.",
            secret=True),
    Setting("ECONSEC_AUTH_HEADER", None,
            "If set (e.g. `X-Forwarded-User`), every request must carry this header, as set by an authenticating "
            "reverse proxy. Only safe when the app is reachable through that proxy alone."),
    Setting("ECONSEC_WORKERS", "2", "gunicorn worker processes (`dashboard/gunicorn_conf.py`)."),
    Setting("ECONSEC_RESPONSE_CACHE_MB", "64",
            "Memory per server process for repeated callback responses, kept per data generation "
            "(`dashboard/response_cache.py`); 0 turns the cache off."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def raw(name: str) -> str | None:
    """The value of a declared setting: the environment, else its default."""
    try:
        setting = _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"{name} is not a declared setting") from None
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return setting.default
    return value.strip()


def _number(name: str, cast: Callable[[str], float], minimum: float) -> float:
    value = raw(name)
    assert value is not None, f"{name} has a default"
    try:
        number = cast(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinity: no bound at all
        raise ConfigError(f"{name}={value!r} must be a finite number")
    if number < minimum:
        raise ConfigError(f"{name}={value!r} must be at least {minimum}")
    return number


def http_timeout() -> float:
    return _number("ECONSEC_HTTP_TIMEOUT", float, 0.1)


def http_retries() -> int:
    return int(_number("ECONSEC_HTTP_RETRIES", int, 0))


def http_backoff() -> float:
    return _number("ECONSEC_HTTP_BACKOFF", float, 0.0)


def base_url(source: str) -> str:
    """``ECONSEC_<SOURCE>_BASE_URL`` without a trailing slash, checked to be http(s)."""
    name = f"ECONSEC_{source.upper()}_BASE_URL"
    value = raw(name)
    if not value or not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}={value!r} must be an http:// or https:// URL")
    return value.rstrip("/")


def data_dir() -> Path:
    value = raw("ECONSEC_DATA_DIR")
    return Path(value).expanduser() if value else Path(platformdirs.user_data_dir("econsec"))


def secret(name: str) -> str | None:
    setting = _BY_NAME.get(name)
    if setting is None or not setting.secret:
        raise ConfigError(f"{name} is not a declared secret")
    return raw(name)


def secret_values() -> list[str]:
    """The values of every secret that is set, so they can be scrubbed from text."""
    return [v for s in SETTINGS if s.secret and (v := raw(s.name))]


def misfire_grace_seconds() -> int:
    return int(_number("ECONSEC_MISFIRE_GRACE_SECONDS", int, 1))


def stale_grace_days() -> float:
    return _number("ECONSEC_STALE_GRACE_DAYS", float, 0.0)


def workers() -> int:
    """``ECONSEC_WORKERS``: gunicorn worker processes (at least 1)."""
    return int(_number("ECONSEC_WORKERS", int, 1))


def response_cache_bytes() -> int:
    """``ECONSEC_RESPONSE_CACHE_MB`` in bytes (0: no response cache)."""
    return int(_number("ECONSEC_RESPONSE_CACHE_MB", float, 0.0) * 2**20)


def smtp_port() -> int:
    port = int(_number("ECONSEC_SMTP_PORT", int, 1))
    if port > 65535:
        raise ConfigError(f"ECONSEC_SMTP_PORT={port} must be at most 65535")
    return port
