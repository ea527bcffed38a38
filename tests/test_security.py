"""The server's defences (dashboard/security.py) through Flask's test client, plus `econsec serve`'s
defaults: headers on every response, a CSP that matches the inline scripts Dash renders, plain error
pages with no traceback (also for a callback that raises), no server banner, optional token and
proxy-header access control, and callbacks that survive hostile input."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from benchmarks.common import routing_body
from dashboard import security
from econsec.errors import ConfigError

TOKEN = "s3cret-token-for-the-tests-0123456789"
#: A page-content request as the browser sends it on opening /concentration.
PAGES_BODY = routing_body("/concentration")


def _app():
    from dashboard.app import create_app

    return create_app()


@pytest.fixture
def client():
    return _app().server.test_client()


def _callback(client, output: str, inputs: list[tuple[str, str, object]], state=()):
    """POST one callback request built the way the renderer builds it."""
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in output.split("...")]
    body = {
        "output": ".." + output + ".." if len(outputs) > 1 else output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    return client.post("/_dash-update-component", json=body)


# -- headers -------------------------------------------------------------------------------------
def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


@pytest.mark.parametrize(
    "path", ["/", "/concentration", "/explorer?reporter=XXX", "/_dash-layout", "/_dash-dependencies",
             "/assets/style.css", "/no-such-page", "/_dash-component-suites/nothing/here.js"]
)
def test_every_response_has_the_security_headers(client, path):
    response = client.get(path)
    response.close()  # a static file is streamed: close it (ResourceWarning)
    for name, value in security.STATIC_HEADERS.items():
        assert response.headers[name] == value, name
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"] and csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "Werkzeug" not in response.headers.get("Server", "") and "Python" not in response.headers.get("Server", "")


def test_callback_responses_have_the_headers_and_are_not_cached(client):
    response = client.post("/_dash-update-component", json=PAGES_BODY)
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers


def test_the_csp_allows_exactly_the_inline_scripts_dash_renders(client):
    """Hash every executable inline script of the page ourselves: each must be in script-src (else the
    browser would refuse the renderer), and script-src allows nothing more than those and 'self'."""
    response = client.get("/concentration")
    page = response.get_data(as_text=True)
    page = re.sub(r"<!--\[if IE\]>.*?<!\[endif\]-->", "", page, flags=re.S)  # not run by any current browser
    inline = [
        m.group(2)
        for m in re.finditer(r"<script([^>]*)>(.*?)</script>", page, re.S)
        if "src=" not in m.group(1) and "application/json" not in m.group(1)
    ]
    assert len(inline) >= 2, "expected the renderer and the pages' clientside callbacks"
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline}
    script_src = _csp(response)["script-src"]
    assert script_src[0] == "'self'"
    assert set(script_src[1:]) == hashes


# -- no tracebacks ---------------------------------------------------------------------------------
def test_a_callback_that_raises_answers_a_plain_500_without_the_traceback(monkeypatch, client, caplog):
    from dashboard.pages import supply_concentration as sc

    def boom(*_args):
        raise RuntimeError("internal detail /srv/econsec/secret.py")

    monkeypatch.setattr(sc, "content", boom)
    response = _callback(
        client, "sc-content.children...sc-notice.children",
        [("sc-reporter", "value", "USA"), ("sc-product", "value", "rare_earths"), ("sc-years", "value", [2019, 2023])],
    )
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "internal detail" not in text and "secret.py" not in text
    assert "logged on the server" in text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert any("internal detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info), "logged server-side"


def test_a_page_layout_that_raises_answers_a_plain_500(monkeypatch, client):
    from dashboard.pages import explorer

    def boom(*_args, **_kwargs):
        raise KeyError("deep pandas detail")

    monkeypatch.setattr(explorer, "resolve", boom)
    body = routing_body("/explorer")
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 500
    assert "deep pandas detail" not in response.get_data(as_text=True)


def test_http_errors_are_plain_text_and_do_not_reflect_the_path(client):
    response = client.get("/_dash-component-suites/<script>alert(1)</script>/x.js")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert "<script>" not in response.get_data(as_text=True)
    response = client.put("/_dash-update-component")
    assert response.status_code == 405 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).strip() == "405 Method Not Allowed"


def test_a_prevent_update_stays_a_204():
    """Dash's own PreventUpdate handler is more specific than our catch-all and keeps working."""
    from dash.exceptions import PreventUpdate

    app = _app()

    @app.server.route("/raise-prevent-update")
    def _raise():
        raise PreventUpdate

    response = app.server.test_client().get("/raise-prevent-update")
    assert response.status_code == 204


_EX_OUTPUT = "..ex-content.children...ex-notice.children...ex-csv-button.disabled...ex-parquet-button.disabled.."


@pytest.mark.parametrize("body, problem", [
    (b"{not json", "not a JSON object"),
    (b"[]", "not a JSON object"),
    (b'{"output": "nope.children", "outputs": {"id": "nope", "property": "children"}, "inputs": []}',
     "no callback of this app has that output"),
    (json.dumps({"output": _EX_OUTPUT, "outputs": {"id": "ex-content"}, "inputs": []}).encode(), "'outputs'"),
    (json.dumps({"output": _EX_OUTPUT, "outputs": {"id": "ex-content", "property": "children"},
                 "inputs": "USA"}).encode(), "'inputs'"),
    (json.dumps({"output": _EX_OUTPUT, "outputs": [{"id": "ex-content", "property": "children"}],
                 "inputs": [{"id": 3, "property": "value"}]}).encode(), "'inputs'"),
    (json.dumps({"output": _EX_OUTPUT, "outputs": [{"id": "ex-content", "property": "children"}],
                 "inputs": [], "state": {"id": "x"}}).encode(), "'state'"),
    (json.dumps({"output": _EX_OUTPUT, "outputs": [{"id": "ex-content", "property": "children"}],
                 "inputs": [], "changedPropIds": "ex-top.value"}).encode(), "'changedPropIds'"),
])
def test_a_malformed_callback_request_is_a_400_that_says_why(client, caplog, body, problem):
    """Dash trusts the shape of a callback request and fails deep inside (a 500 and a traceback in the log)
    when it is wrong; the app answers a clear 400 instead and logs nothing."""
    with caplog.at_level("ERROR"):
        response = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert problem in response.get_data(as_text=True)
    assert not caplog.records


def test_a_callback_request_for_a_pattern_matching_callback_passes_the_shape_check(client):
    body = {"output": "nope", "outputs": [], "inputs": [[{"id": {"type": "chart-csv", "graph": "g"},
                                                          "property": "n_clicks", "value": 1}]]}
    assert security.callback_request_problem(body, {"nope": {}}) == "'outputs' is not a list of {id, property}"
    body["outputs"] = [{"id": {"type": "chart-csv-download", "graph": "g"}, "property": "data"}]
    assert security.callback_request_problem(body, {"nope": {}}) is None


def test_oversized_requests_are_refused(client):
    response = client.post("/_dash-update-component", data=b"x" * (security.MAX_REQUEST_BYTES + 1),
                           content_type="application/json")
    assert response.status_code == 413 and response.mimetype == "text/plain"


# -- no banner -----------------------------------------------------------------------------------
def test_the_development_server_sends_no_version_banner():
    app = _app()
    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=security.RequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/_dash-dependencies", timeout=30) as r:
            assert r.headers.get_all("Server") == ["econsec"]
            assert r.headers["X-Frame-Options"] == "DENY"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# -- econsec serve -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "host", "debug"),
    [([], "127.0.0.1", False), (["--host", "0.0.0.0"], "0.0.0.0", False), (["--debug"], "127.0.0.1", True)],
)
def test_serve_binds_loopback_and_debug_off_unless_asked(monkeypatch, args, host, debug):
    import dash

    from dashboard.cli import main

    seen = {}

    def fake_run(self, **kwargs):
        seen.update(kwargs)

    monkeypatch.setattr(dash.Dash, "run", fake_run)
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 0, result.output
    assert seen["host"] == host and seen["debug"] is debug
    assert seen["request_handler"] is security.RequestHandler


def test_debug_mode_is_off_in_the_created_app():
    app = _app()
    assert app.server.debug is False
    assert not app._dev_tools.ui and not app._dev_tools.serve_dev_bundles


# -- access control --------------------------------------------------------------------------------
def test_no_access_control_unless_configured(client):
    assert client.get("/").status_code == 200


def test_a_short_token_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("ECONSEC_AUTH_TOKEN", "short")
    with pytest.raises(ConfigError, match="at least 16 characters"):
        _app()


def test_a_bad_header_name_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("ECONSEC_AUTH_HEADER", "X-User: admin")
    with pytest.raises(ConfigError, match="not an HTTP header name"):
        _app()


@pytest.fixture
def token_client(monkeypatch):
    monkeypatch.setenv("ECONSEC_AUTH_TOKEN", TOKEN)
    return _app().server.test_client()


@pytest.mark.parametrize("path", ["/", "/concentration", "/_dash-layout", "/assets/style.css",
                                  "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js"])
def test_with_a_token_every_request_needs_it(token_client, path):
    response = token_client.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert token_client.get(path, headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    assert token_client.get(path, headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401


def test_a_bearer_token_opens_pages_and_callbacks(token_client):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert token_client.get("/concentration", headers=auth).status_code == 200
    assert token_client.post("/_dash-update-component", json=PAGES_BODY, headers=auth).status_code == 200
    assert token_client.post("/_dash-update-component", json=PAGES_BODY).status_code == 401


def test_the_token_link_sets_a_cookie_and_drops_the_token_from_the_address(token_client):
    response = token_client.get(f"/concentration?reporter=USA&token={TOKEN}&product=850511")
    assert response.status_code == 303
    assert response.headers["Location"] == "/concentration?reporter=USA&product=850511"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert TOKEN not in cookie, "the cookie holds an HMAC of the token, not the token"
    # the test client keeps the cookie: pages, callbacks and assets now open
    assert token_client.get("/concentration?reporter=USA&product=850511").status_code == 200
    assert token_client.post("/_dash-update-component", json=PAGES_BODY).status_code == 200
    asset = token_client.get("/assets/style.css")
    asset.close()
    assert asset.status_code == 200


def test_a_wrong_token_link_or_cookie_is_refused(token_client, caplog):
    assert token_client.get("/?token=wrong-token-wrong-token-wrong").status_code == 401
    token_client.set_cookie(security.COOKIE, security.cookie_value("another-token-another-token"))
    assert token_client.get("/").status_code == 401
    token_client.set_cookie(security.COOKIE, TOKEN)  # the raw token is not the cookie value
    assert token_client.get("/").status_code == 401
    assert "wrong-token" not in caplog.text and TOKEN not in caplog.text


def test_the_proxy_header_is_required_when_configured(monkeypatch):
    monkeypatch.setenv("ECONSEC_AUTH_HEADER", "X-Forwarded-User")
    client = _app().server.test_client()
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"X-Forwarded-User": "  "}).status_code == 401
    assert client.get("/", headers={"X-Forwarded-User": "analyst@example.org"}).status_code == 200
    assert client.get("/assets/style.css").status_code == 401


def test_token_and_proxy_header_together_need_both(monkeypatch):
    monkeypatch.setenv("ECONSEC_AUTH_HEADER", "X-Forwarded-User")
    monkeypatch.setenv("ECONSEC_AUTH_TOKEN", TOKEN)
    client = _app().server.test_client()
    both = {"X-Forwarded-User": "analyst", "Authorization": f"Bearer {TOKEN}"}
    assert client.get("/", headers=both).status_code == 200
    assert client.get("/", headers={"X-Forwarded-User": "analyst"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 401


def test_request_logs_never_show_the_token(monkeypatch, caplog):
    """Werkzeug logs the request line, query string included: the ?token= link is scrubbed."""
    import logging

    monkeypatch.setenv("ECONSEC_AUTH_TOKEN", TOKEN)
    _app()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('127.0.0.1 - - "%s" %s -', f"GET /?token={TOKEN} HTTP/1.1", 303)
    assert "GET /?token=" in caplog.text and TOKEN not in caplog.text


def test_the_token_is_a_declared_secret(monkeypatch):
    from econsec import settings

    monkeypatch.setenv("ECONSEC_AUTH_TOKEN", TOKEN)
    assert TOKEN in settings.secret_values()  # so connectors/http.py's log filter scrubs it


# -- URL and callback inputs against allow-lists ---------------------------------------------------
HOSTILE = ["<script>alert(1)</script>", "../../etc/passwd", "USA' OR 1=1--", ["USA", "JPN"], {"a": 1}, 12, 1e308,
           "x" * 5000, "\u0000", True]


def _flat(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("bad", HOSTILE, ids=range(len(HOSTILE)))
def test_concentration_callbacks_fall_back_on_hostile_values(client, bad):
    response = _callback(
        client, "sc-content.children...sc-notice.children",
        [("sc-reporter", "value", bad), ("sc-product", "value", bad), ("sc-years", "value", bad)],
    )
    assert response.status_code == 200, _flat(response)[:300]
    payload = response.get_json()["response"]
    notices = json.dumps(payload["sc-notice"]["children"])
    assert "No data for reporter" in notices or "No data for product" in notices
    assert "sc-graph-china" in json.dumps(payload["sc-content"]["children"])  # the default view was drawn
    response = _callback(client, "sc-product.options...sc-product.value", [("sc-reporter", "value", bad)],
                         state=[("sc-product", "value", bad)])
    assert response.status_code == 200, _flat(response)[:300]
    assert response.get_json()["response"]["sc-product"]["value"] == "rare_earths"


@pytest.mark.parametrize("bad", HOSTILE, ids=range(len(HOSTILE)))
def test_explorer_callbacks_fall_back_on_hostile_values(client, bad):
    response = _callback(
        client, "ex-content.children...ex-notice.children...ex-csv-button.disabled...ex-parquet-button.disabled",
        [("ex-reporter", "value", bad), ("ex-product", "value", bad), ("ex-partner", "value", bad),
         ("ex-years", "value", bad), ("ex-top", "value", bad)],
    )
    assert response.status_code == 200, _flat(response)[:300]
    notices = json.dumps(response.get_json()["response"]["ex-notice"]["children"])
    assert "No data for reporter" in notices or "Unknown product" in notices or "Ignored" in notices
    response = _callback(client, "ex-product.options...ex-product.value", [("ex-reporter", "value", bad)],
                         state=[("ex-product", "value", bad)])
    assert response.status_code == 200, _flat(response)[:300]
    response = _callback(client, "ex-partner.options...ex-partner.value",
                         [("ex-reporter", "value", bad), ("ex-product", "value", bad)],
                         state=[("ex-partner", "value", bad)])
    assert response.status_code == 200, _flat(response)[:300]
    assert response.get_json()["response"]["ex-partner"]["value"] is None
    for kind in ("csv", "parquet"):
        response = _callback(
            client, f"ex-download-{kind}.data", [(f"ex-{kind}-button", "n_clicks", 1)],
            state=[("ex-reporter", "value", bad), ("ex-product", "value", bad), ("ex-partner", "value", bad),
                   ("ex-years", "value", bad), ("ex-top", "value", bad)],
        )
        assert response.status_code == 200, _flat(response)[:300]
        name = response.get_json()["response"][f"ex-download-{kind}"]["data"]["filename"]
        assert re.fullmatch(r"econsec_[a-z0-9_-]+_[a-z0-9_-]+_\d{4}-\d{4}\." + kind, name), name


@pytest.mark.parametrize("query", ["reporter=%3Cscript%3Ex%3C/script%3E&product=%3Cb%3E&start=-1&end=99999",
                                   "reporter=USA&reporter=JPN&top=%22%3E%3Csvg%3E", "partner=../../x&start=abc"])
@pytest.mark.parametrize("path", ["/concentration", "/explorer"])
def test_hostile_urls_render_defaults_with_notices_as_text(client, path, query):
    body = routing_body(path)
    body["inputs"][1]["value"] = "?" + query
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    text = _flat(response)
    assert "Ignored" in text or "No data for" in text or "Unknown product" in text or "does not supply" in text
    # Dash sends component trees as JSON and React renders strings as text: no markup reaches the page
    assert "dangerously" not in text.lower()


def test_the_goal_page_echoes_an_unknown_id_only_as_text(client):
    body = routing_body("/goal/%3Cimg%20src=x%3E")
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    assert "No such goal" in _flat(response)


def _chart_download(client, figure, button_id):
    return client.post("/_dash-update-component", json={
        "output": '{"graph":["MATCH"],"type":"chart-csv-download"}.data',
        "outputs": {"id": {"graph": "sc-graph-hhi", "type": "chart-csv-download"}, "property": "data"},
        "inputs": [{"id": {"graph": "sc-graph-hhi", "type": "chart-csv"}, "property": "n_clicks", "value": 1}],
        "state": [{"id": {"graph": "sc-graph-hhi", "type": "chart-graph"}, "property": "figure", "value": figure},
                  {"id": {"graph": "sc-graph-hhi", "type": "chart-csv"}, "property": "id", "value": button_id}],
        "changedPropIds": ['{"graph":"sc-graph-hhi","type":"chart-csv"}.n_clicks'],
    })


@pytest.mark.parametrize("figure", [[1, 2], "x", {"data": "nope"}, {"data": [1]}, {"layout": ["x"], "data": []},
                                    {"layout": {"annotations": ["x"]}, "data": []}])
def test_chart_download_ignores_malformed_figures(client, figure):
    response = _chart_download(client, figure, {"graph": "sc-graph-hhi", "type": "chart-csv"})
    assert response.status_code in (200, 204)  # no_update everywhere: Dash answers 204
    assert "filename" not in _flat(response)


def test_chart_download_names_come_from_our_ids_only(client):
    figure = {"data": [{"name": "a", "x": [1], "y": [2]}], "layout": {"title": {"text": "../../Evil/<b>"}}}
    response = _chart_download(client, figure, {"graph": "../../etc/passwd", "type": "chart-csv"})
    assert response.status_code == 200
    name = response.get_json()["response"][json.dumps({"graph": "sc-graph-hhi", "type": "chart-csv-download"},
                                                      separators=(",", ":"))]["data"]["filename"]
    assert name == "econsec_chart_evil.csv"  # markup dropped, slugged
    response = _chart_download(client, figure, "not-a-dict")
    assert response.status_code == 200
    assert "econsec_chart_" in _flat(response)


def test_urlopen_refused_without_token_on_a_live_server(monkeypatch):
    """The token check also holds on a real socket (not just the test client)."""
    monkeypatch.setenv("ECONSEC_AUTH_TOKEN", TOKEN)
    app = _app()
    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=security.RequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/", timeout=30)
        assert refused.value.code == 401
        refused.value.close()
        request = urllib.request.Request(base + "/", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
