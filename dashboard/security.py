"""The web server's defences, installed on the Flask server of every app by :func:`install`.

- **Security headers** on every response (:func:`headers`): a Content-Security-Policy that allows the
  app's own origin only, with Dash's inline scripts (the renderer, clientside callbacks) allowed by
  their sha256 hashes; no ``'unsafe-eval'``, no ``'unsafe-inline'`` for scripts; plus
  X-Content-Type-Options, X-Frame-Options, Referrer-Policy, Cross-Origin-Opener-Policy and a
  Permissions-Policy that turns off every device API. The ``Server`` header carries no version:
  ``econsec`` under ``econsec serve`` (:class:`RequestHandler`), a bare ``gunicorn`` under gunicorn.
- **No tracebacks to the browser**: an unexpected exception (in a page or a callback) is logged on
  the server and answered with a plain-text 500; HTTP errors get a plain-text status line. In debug
  mode (``econsec serve --debug``) Dash's own error pages replace these.
- **Optional access control** for shared deployments (off unless set):
  ``ECONSEC_AUTH_TOKEN``: every request (pages, callbacks, static files) needs
  ``Authorization: Bearer <token>`` or the cookie set by visiting any page once with
  ``?token=<token>``; ``ECONSEC_AUTH_HEADER``: every request must carry this header, non-empty, as
  set by an authenticating reverse proxy (e.g. ``X-Forwarded-User``). When both are set, both are
  required. Tokens are compared with :func:`hmac.compare_digest`; the cookie holds an HMAC of the
  token, never the token itself.

>>> "frame-ancestors 'none'" in content_security_policy(["'sha256-abc='"])
True
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable
from urllib.parse import urlencode

import dash
import flask
from dash.exceptions import DependencyException, InvalidResourceError
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

from econsec import settings
from econsec.errors import ConfigError
from econsec.redact import RedactSecrets

log = logging.getLogger(__name__)

SERVER_NAME = "econsec"
COOKIE = "econsec_auth"
TOKEN_PARAM = "token"
MIN_TOKEN_LENGTH = 16
#: Callback requests carry the figure of a chart for its CSV download: generous, but bounded.
MAX_REQUEST_BYTES = 32 * 2**20
NO_STORE_PATHS = ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies")

#: Device and tracking APIs the dashboard never uses, all denied.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb", "interest-cohort",
    )
)

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """The CSP for a page whose inline scripts have ``script_hashes`` (``'sha256-…'`` strings).

    ``style-src 'unsafe-inline'`` is needed by plotly.js, which injects ``<style>`` elements (its
    modebar, hover labels) and sets style attributes; styles cannot run code. Images may be
    ``data:``/``blob:`` URLs (plotly's PNG download, the map). Everything else is the app's origin.
    """
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def headers(app: dash.Dash) -> dict[str, str]:
    """Every security header of a response of ``app`` (the CSP hashes its current inline scripts)."""
    return {"Content-Security-Policy": content_security_policy(app.csp_hashes()), **STATIC_HEADERS}


# -- access control ---------------------------------------------------------------------------------
def auth_token() -> str | None:
    """``ECONSEC_AUTH_TOKEN``, checked to be long enough to resist guessing (ConfigError if not)."""
    token = settings.secret("ECONSEC_AUTH_TOKEN")
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"ECONSEC_AUTH_TOKEN must be at least {MIN_TOKEN_LENGTH} characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return token


def auth_header() -> str | None:
    """``ECONSEC_AUTH_HEADER``: the name of the header an authenticating proxy sets, if any."""
    name = settings.raw("ECONSEC_AUTH_HEADER")
    if name is not None and not all(c.isalnum() or c in "-_" for c in name):
        raise ConfigError(f"ECONSEC_AUTH_HEADER={name!r} is not an HTTP header name")
    return name


def cookie_value(token: str) -> str:
    """What the cookie holds: an HMAC of the token (a stolen cookie does not reveal the token)."""
    return hmac.new(token.encode(), b"econsec-auth-cookie-v1", hashlib.sha256).hexdigest()


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _bearer(request: flask.Request) -> str | None:
    scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _denied(message: str, *, bearer: bool) -> flask.Response:
    response = flask.Response(message + "\n", status=401, mimetype="text/plain")
    if bearer:
        response.headers["WWW-Authenticate"] = 'Bearer realm="econsec"'
    return response


def _check_access(token: str | None, header: str | None) -> flask.Response | None:
    """None when the request may go on; else the response that refuses it (401, or the redirect
    that drops ``?token=`` from the address bar after setting the cookie)."""
    request = flask.request
    if header is not None and not (request.headers.get(header) or "").strip():
        log.warning("refused %s %s: no %s header", request.method, request.path, header)
        return _denied("Authentication required (through the proxy).", bearer=False)
    if token is None:
        return None
    if _same(_bearer(request), token) or _same(request.cookies.get(COOKIE), cookie_value(token)):
        return None
    if request.method == "GET" and _same(request.args.get(TOKEN_PARAM), token):
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != TOKEN_PARAM]
        response = flask.redirect(request.path + ("?" + urlencode(rest) if rest else ""), code=303)
        # Lax, not Strict: a link to the dashboard from a mail or an intranet page must work.
        response.set_cookie(
            COOKIE, cookie_value(token), httponly=True, samesite="Lax", secure=request.is_secure, path="/"
        )
        return response
    log.warning("refused %s %s: no valid token", request.method, request.path)
    return _denied("Authentication required: send the access token.", bearer=True)


# -- callback requests -----------------------------------------------------------------------------
def _is_prop(item: object) -> bool:
    """One input, state or output of a callback request: ``{"id": <str or dict>, "property": <str>}``."""
    return isinstance(item, dict) and isinstance(item.get("id"), str | dict) and isinstance(item.get("property"), str)


def _props(value: object) -> bool:
    """A list of inputs (or states): each one, or a list of them (a pattern-matching ``ALL``)."""
    return isinstance(value, list) and all(
        _is_prop(i) or (isinstance(i, list) and all(_is_prop(j) for j in i)) for i in value
    )


def callback_request_problem(body: object, callbacks: dict) -> str | None:
    """What is wrong with the body of a ``/_dash-update-component`` request, or None: the shape the Dash
    renderer sends, for a callback of this app (``callbacks``: the app's callback map). Dash trusts the
    shape and fails with a ``TypeError`` deep inside (a 500 and a logged traceback) when it is not."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if not isinstance(body.get("output"), str) or body["output"] not in callbacks:
        return "no callback of this app has that output"
    outputs = body.get("outputs")
    if not (_is_prop(outputs) or (isinstance(outputs, list) and outputs and all(_is_prop(o) for o in outputs))):
        return "'outputs' is not a list of {id, property}"
    if not _props(body.get("inputs")):
        return "'inputs' is not a list of {id, property, value}"
    if "state" in body and not _props(body["state"]):
        return "'state' is not a list of {id, property, value}"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' is not a list of strings"
    return None


# -- errors ----------------------------------------------------------------------------------------
def _plain(text: str, status: int) -> flask.Response:
    return flask.Response(text + "\n", status=status, mimetype="text/plain")


def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    if error.code is None or error.code < 400:
        return error  # redirects raised as exceptions go out as they are
    return _plain(f"{error.code} {error.name}", error.code)


def _not_found(_error: Exception) -> flask.Response:
    return _plain("404 Not Found", 404)


def _unexpected(error: Exception) -> flask.Response:
    log.error("unhandled error in %s %s", flask.request.method, flask.request.path, exc_info=error)
    return _plain("500 Internal Server Error: the error was logged on the server.", 500)


# -- installing -----------------------------------------------------------------------------------
def install(app: dash.Dash) -> None:
    """Install the headers, error handlers and (when configured) access control on ``app``'s server.

    The settings are read here, once: a bad ``ECONSEC_AUTH_TOKEN`` stops the app from starting.
    """
    server = app.server
    token, header = auth_token(), auth_header()
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    # Registered after Dash's own (Dash's PreventUpdate handler stays: Flask picks the closest class).
    # Debug mode (app.run(debug=True)) registers Dash's traceback handler over the Exception one.
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(InvalidResourceError, _not_found)  # Dash's echoes the requested path
    server.register_error_handler(DependencyException, _not_found)  # an unknown /_dash-component-suites/ package
    server.register_error_handler(Exception, _unexpected)

    if token is not None or header is not None:

        @server.before_request
        def _access():  # type: ignore[no-untyped-def]
            return _check_access(token, header)

    endpoint = app.config.routes_pathname_prefix + "_dash-update-component"

    @server.before_request
    def _callback_shape():  # type: ignore[no-untyped-def]
        request = flask.request
        if request.method != "POST" or request.path != endpoint or not request.is_json:
            return None  # Dash answers a body that is not JSON with 400 or 415 itself
        problem = callback_request_problem(request.get_json(silent=True), app.callback_map)
        return _plain(f"400 Bad Request: {problem}.", 400) if problem else None

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        response.headers.update(headers(app))
        if response.mimetype == "text/html" or flask.request.path in NO_STORE_PATHS:
            response.headers.setdefault("Cache-Control", "no-store")  # data views stay out of shared caches
        return response


#: The loggers that write request lines.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its ``Server: Werkzeug/<version> Python/<version>`` banner
    (``econsec serve`` passes it to the development server)."""

    def version_string(self) -> str:
        return SERVER_NAME
