"""dashboard.response_cache: repeated callback responses are served as encoded the first time, per store
generation; only what is declared is cached; errors, downloads, the live Data & sources page and
unauthenticated requests never are."""

from __future__ import annotations

import pytest

from benchmarks.common import routing_body
from dashboard import response_cache
from econsec.errors import ConfigError, StoreError
from econsec.store import Store, bundled_snapshot_dir

TOKEN = "s3cret-token-for-the-tests-0123456789"


def _app():
    from dashboard.app import create_app

    return create_app()


def _cache(app) -> response_cache.ResponseCache:
    return app.server.extensions["econsec_response_cache"]


def _explorer(product: str = "rare_earths", partner: str | None = None) -> dict:
    ids = ("content.children", "notice.children", "csv-button.disabled", "parquet-button.disabled")
    outputs = [dict(zip(("id", "property"), f"ex-{o}".split("."), strict=True)) for o in ids]
    inputs = [("reporter", "USA"), ("product", product), ("partner", partner), ("years", [2019, 2024]), ("top", 5)]
    return {
        "output": ".." + "...".join(f"ex-{o}" for o in ids) + "..",
        "outputs": outputs,
        "inputs": [{"id": f"ex-{i}", "property": "value", "value": v} for i, v in inputs],
        "changedPropIds": ["ex-product.value"],
        "state": [],
    }


def _post(client, body: dict, **kw):
    return client.post("/_dash-update-component", json=body, **kw)


def test_a_repeated_request_is_answered_from_the_cache_with_the_same_bytes():
    app = _app()
    client, cache = app.server.test_client(), _cache(app)
    first = _post(client, _explorer())
    assert first.status_code == 200 and b'"ex-content"' in first.data
    assert (cache.hits, cache.misses, len(cache)) == (0, 1, 1)
    again = _post(client, _explorer())
    assert again.status_code == 200
    assert again.data == first.data
    assert again.mimetype == "application/json"
    assert again.headers["X-Content-Type-Options"] == "nosniff"  # the app's headers are still added
    assert (cache.hits, cache.misses) == (1, 1)
    other = _post(client, _explorer(partner="CHN"))  # another view: built, then kept too
    assert other.data != first.data
    assert (cache.hits, cache.misses, len(cache)) == (1, 2, 2)


def test_the_goal_pages_and_the_overview_are_cached_and_the_sources_page_is_not():
    app = _app()
    client, cache = app.server.test_client(), _cache(app)
    from dashboard.pages.goal import goal_path
    from indicators.goals import GOALS

    paths = ["/", goal_path(GOALS[0].id), "/explorer", "/concentration", "/alliance"]
    for path in paths:
        assert _post(client, routing_body(path)).status_code == 200
        assert _post(client, routing_body(path)).status_code == 200
    assert (cache.hits, cache.misses) == (len(paths), len(paths))
    # the Data & sources page shows the refresh status and the data's age by today's date: never cached
    for _ in range(2):
        assert _post(client, routing_body("/sources")).status_code == 200
    assert (cache.hits, cache.misses, len(cache)) == (len(paths), len(paths), len(paths))


def test_a_new_generation_is_a_new_key(monkeypatch, tmp_path):
    """A refresh writes a new generation: nothing built from the old one is served after it."""
    app = _app()
    client, cache = app.server.test_client(), _cache(app)
    first = _post(client, _explorer())
    # The same tables under another directory name: a "new generation" with the same content.
    other = tmp_path / "generation-2"
    other.symlink_to(bundled_snapshot_dir(), target_is_directory=True)
    monkeypatch.setattr(Store, "current_dir", lambda self: other)
    second = _post(client, _explorer())
    assert (cache.hits, cache.misses, len(cache)) == (0, 2, 2)
    assert second.data == first.data  # same tables, same page: built again, not served from the old key
    assert _post(client, _explorer()).data == first.data
    assert cache.hits == 1


def test_a_store_error_is_not_kept(monkeypatch):
    """A page that says the store cannot be read is built again on the next request, which may succeed."""
    from dashboard.views import explorer as view

    app = _app()
    client, cache = app.server.test_client(), _cache(app)
    real = view.resolve

    def broken(*_args, **_kw):
        raise StoreError("the table explorer reads is damaged")

    monkeypatch.setattr(view, "resolve", broken)
    failed = [_post(client, routing_body("/explorer")) for _ in range(2)]
    assert all(r.status_code == 200 and b"cannot be read" in r.data for r in failed)
    assert (cache.hits, len(cache)) == (0, 0)
    monkeypatch.setattr(view, "resolve", real)
    ok = _post(client, routing_body("/explorer"))
    assert b"cannot be read" not in ok.data
    assert len(cache) == 1


def test_downloads_and_failed_callbacks_are_not_cached(monkeypatch):
    app = _app()
    client, cache = app.server.test_client(), _cache(app)
    body = {
        "output": "ex-download-csv.data",
        "outputs": {"id": "ex-download-csv", "property": "data"},
        "inputs": [{"id": "ex-csv-button", "property": "n_clicks", "value": 1}],
        "state": [{"id": f"ex-{i}", "property": "value", "value": v}
                  for i, v in (("reporter", "USA"), ("product", "rare_earths"), ("partner", None),
                               ("years", [2019, 2024]), ("top", 5))],
        "changedPropIds": ["ex-csv-button.n_clicks"],
    }
    for _ in range(2):
        assert _post(client, body).status_code == 200
    from dashboard.views import supply_concentration as view

    def fails(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(view, "years_of", fails)
    body = {
        "output": "..sc-content.children...sc-notice.children..",
        "outputs": [{"id": "sc-content", "property": "children"}, {"id": "sc-notice", "property": "children"}],
        "inputs": [{"id": "sc-reporter", "property": "value", "value": "USA"},
                   {"id": "sc-product", "property": "value", "value": "rare_earths"},
                   {"id": "sc-years", "property": "value", "value": [2019, 2024]}],
        "changedPropIds": ["sc-product.value"],
        "state": [],
    }
    for _ in range(2):
        assert _post(client, body).status_code == 500
    assert (cache.hits, len(cache)) == (0, 0)


def test_a_cached_response_still_needs_the_token(monkeypatch):
    monkeypatch.setenv("ECONSEC_AUTH_TOKEN", TOKEN)
    app = _app()
    client, cache = app.server.test_client(), _cache(app)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert _post(client, _explorer(), headers=auth).status_code == 200
    assert _post(client, _explorer(), headers=auth).status_code == 200
    assert cache.hits == 1
    refused = _post(client, _explorer())
    assert refused.status_code == 401 and b"ex-content" not in refused.data
    assert cache.hits == 1


def test_the_cache_can_be_turned_off_and_a_bad_size_is_refused(monkeypatch):
    monkeypatch.setenv("ECONSEC_RESPONSE_CACHE_MB", "0")
    app = _app()
    client, cache = app.server.test_client(), _cache(app)
    first, second = _post(client, _explorer()), _post(client, _explorer())
    assert first.data == second.data
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)
    monkeypatch.setenv("ECONSEC_RESPONSE_CACHE_MB", "lots")
    with pytest.raises(ConfigError, match="ECONSEC_RESPONSE_CACHE_MB"):
        _app()


def test_the_cache_is_bounded_by_bytes_and_count_and_drops_the_least_recently_used():
    cache = response_cache.ResponseCache(max_bytes=10, max_items=3)
    cache.put(("g", b"a"), b"1234")
    cache.put(("g", b"b"), b"1234")
    assert cache.get(("g", b"a")) == b"1234"  # a is now the most recent
    cache.put(("g", b"c"), b"1234")  # 12 bytes > 10: b (least recent) goes
    assert cache.get(("g", b"b")) is None
    assert cache.get(("g", b"a")) == b"1234" and cache.get(("g", b"c")) == b"1234"
    cache.put(("g", b"big"), b"x" * 11)  # larger than the whole cache: not kept, nothing dropped
    assert len(cache) == 2 and cache.get(("g", b"big")) is None
    small = response_cache.ResponseCache(max_bytes=100, max_items=2)
    for k in (b"1", b"2", b"3"):
        small.put(("g", k), b"x")
    assert len(small) == 2 and small.get(("g", b"1")) is None
