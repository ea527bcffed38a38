"""The Data & sources page shows every source and every bundled dataset with its caveats."""

import dash

from dashboard import app as dashboard_app
from econsec import sources
from econsec.store import Store


def _text(component) -> str:
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    children = getattr(component, "children", None)
    return _text(children) if children is not None else ""


def test_sources_page_lists_sources_datasets_flags_and_caveats():
    dashboard_app.create_app()
    page = next(p for p in dash.page_registry.values() if p["path"] == "/sources")
    text = _text(page["layout"]())
    for source in sources.SOURCES:
        assert source.name in text
    for entry in Store().manifest()["datasets"]:
        assert entry["title"] in text
        for caveat in entry["caveats"]:
            assert caveat in text
        for flag in entry["flags"]:
            assert flag in text


def test_sources_page_serves(tmp_path):
    client = dashboard_app.create_app().server.test_client()
    assert client.get("/sources").status_code == 200


def test_sources_page_defines_every_registered_indicator():
    from indicators.registry import all_indicators

    dashboard_app.create_app()
    page = next(p for p in dash.page_registry.values() if p["path"] == "/sources")
    text = _text(page["layout"]())
    for indicator in all_indicators().values():
        assert indicator.id in text and indicator.name in text, indicator.id
