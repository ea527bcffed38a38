"""Callback responses kept per store generation: the JSON of a callback that draws from the stored data
and its request alone is encoded once, and sent again as it is to the next identical request.

Why: page bodies are already cached per generation (:func:`dashboard.data.per_generation`), but Dash
turns the cached body into JSON on every response, and plotly's encoder walks every component, encodes,
decodes and encodes again: four fifths of an Explorer response's time once the body is cached
(BENCHMARKS.md, Callbacks). Analysts open the same views (the defaults, the goal pages), so most
responses are repeats.

What is cached is declared, never guessed: a page module lists in ``CACHED_OUTPUTS`` the ids of the
first outputs of its callbacks that depend on the store and their inputs alone, and a page whose layout
does (``dash.register_page(..., cached=True)``) has Dash Pages' routing callback cached for its path.
The Data & sources page is not cached: it shows the refresh status and the data's age by today's date.

The key is the store's generation (read once per request, as the builders read it: one response is
built from one generation) and the request body (every input, state and output of the callback): a
refresh that writes a new generation makes every key new. Only complete 200 responses are kept, and
nothing is served before the app's own checks (access control runs first, as it is installed first).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable

import dash
import flask

from econsec import settings
from econsec.errors import EconsecError
from econsec.store import Store

#: Dash Pages' routing callback: its first output.
ROUTING_OUTPUT = "_pages_content"
#: At most this many responses per process (and ``ECONSEC_RESPONSE_CACHE_MB`` of them; an Explorer
#: response is ~80 KB).
MAX_ITEMS = 1024
_KEY = "econsec_response_key"


def generation() -> str:
    """The directory currently read (changes when a refresh writes a new generation).

    Looked up once per request: a page's builders ask for it many times (each lookup reads the store's
    pointer and checks the generation), and one response must be built from one generation even if a
    refresh lands half-way through it."""
    if not flask.has_request_context():
        return str(Store().current_dir())
    gen = flask.g.get("econsec_generation")
    if gen is None:
        gen = flask.g.econsec_generation = str(Store().current_dir())
    return gen


def do_not_cache() -> None:
    """Keep the response being built out of the cache: it shows an error (the store could not be read),
    and the next request must try again rather than be told the same thing until the next refresh."""
    if flask.has_request_context():
        flask.g.pop(_KEY, None)


class ResponseCache:
    """A thread-safe LRU of response bodies, bounded by count and bytes."""

    def __init__(self, max_bytes: int, max_items: int = MAX_ITEMS) -> None:
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[str, bytes]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: tuple[str, bytes], body: bytes) -> None:
        if len(body) > self.max_bytes:  # also: a cache of 0 bytes keeps nothing
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= len(old) if old is not None else 0
            self._items[key] = body
            self._bytes += len(body)
            while len(self._items) > self.max_items or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


def _first_output(body: dict) -> str | None:
    outputs = body.get("outputs")
    first = outputs[0] if isinstance(outputs, list) and outputs else outputs
    ident = first.get("id") if isinstance(first, dict) else None
    return ident if isinstance(ident, str) else None  # pattern-matching ids (dicts) are never cached


def _pathname(body: dict) -> str | None:
    for item in body.get("inputs") or ():
        if isinstance(item, dict) and item.get("property") == "pathname":
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None


def install(app: dash.Dash, outputs: Iterable[str]) -> ResponseCache:
    """Serve repeated responses of the callbacks whose first output is one of ``outputs``, and of the
    routing callback on pages registered with ``cached=True``, from a :class:`ResponseCache` of
    ``ECONSEC_RESPONSE_CACHE_MB`` (also put in ``app.server.extensions["econsec_response_cache"]``; a bad
    value is a :class:`~econsec.errors.ConfigError` here, when the app is made). Call after the access
    control is installed."""
    server = app.server
    cache = ResponseCache(settings.response_cache_bytes())
    server.extensions["econsec_response_cache"] = cache
    if not cache.max_bytes:
        return cache  # turned off: every response is built and encoded by Dash
    cached_outputs = frozenset(outputs)
    endpoint = app.config.routes_pathname_prefix + "_dash-update-component"
    paths = frozenset(app.strip_relative_path(page["relative_path"]) or ""
                      for page in dash.page_registry.values() if page.get("cached"))

    def cacheable(body: object) -> bool:
        if not isinstance(body, dict):
            return False
        first = _first_output(body)
        if first == ROUTING_OUTPUT:
            pathname = _pathname(body)
            return pathname is not None and (app.strip_relative_path(pathname) or "") in paths
        return first in cached_outputs

    @server.before_request
    def _serve_cached():  # type: ignore[no-untyped-def]
        request = flask.request
        if request.method != "POST" or request.path != endpoint:
            return None
        if not cacheable(request.get_json(silent=True)):  # parsed once: Dash reads the same parse
            return None
        try:
            gen = generation()
        except EconsecError:  # no readable store: the callback reports it, uncached
            return None
        key = (gen, hashlib.blake2b(request.get_data(), digest_size=16).digest())
        body = cache.get(key)
        if body is not None:
            return flask.Response(body, mimetype="application/json")
        flask.g.setdefault(_KEY, key)
        return None

    @server.after_request
    def _keep(response: flask.Response) -> flask.Response:
        key = flask.g.pop(_KEY, None)
        if key is not None and response.status_code == 200 and response.mimetype == "application/json" \
                and not response.direct_passthrough:
            cache.put(key, response.get_data())
        return response

    return cache
