"""Every API source, end to end: its base URL pointed at a local server answering in the real format,
`econsec refresh --source <name>` stores exactly the values that server sent, and a key never lands
on disk. One default query per source keeps it fast; the payloads are those the parser tests use."""

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from connectors import registry
from dashboard.cli import main
from econsec import schema
from econsec.store import Store

DATA = Path(__file__).parent / "data"
KEY = "k3y-must-not-leak-7a1f"

# source -> (ECONSEC_<X>_BASE_URL name, key variable or None, content type, request -> payload file)
Payload = Callable[[Request], Path]
SOURCES: dict[str, tuple[str, str | None, str, Payload]] = {
    "un_comtrade": ("COMTRADE", "COMTRADE_API_KEY", "application/json",
                    lambda r: DATA / "comtrade/includeDesc_reporter156_2010_TOTAL.json"),
    "worldbank": ("WORLDBANK", None, "application/json",
                  lambda r: DATA / f"worldbank/rsdv_JPN-USA-WLD_2022-2024_page{r.args.get('page', '1')}.json"),
    "imf": ("IMF", None, "application/xml", lambda r: DATA / "imf/imts_USA_XG_FOB_USD_G001+G998_A_2023-2024.xml"),
    "us_census": ("CENSUS", "CENSUS_API_KEY", "application/json",
                  lambda r: DATA / "census/imports_hs854231_2024-01_to_2024-02.json"),
    "usgs": ("USGS", None, "text/csv", lambda r: DATA / "usgs/MCS2026_Commodities_Data_slice.csv"),
    "oecd": ("OECD", None, "application/vnd.sdmx.data+csv",
             lambda r: DATA / "oecd/sdmx_csv_usa_outward_flows_2011_from_docs.csv"),
}


def test_every_api_source_is_covered_here():
    assert set(SOURCES) == set(registry.API_CONNECTORS)


@pytest.fixture(params=sorted(SOURCES))
def served(request, httpserver, monkeypatch):
    source = request.param
    env, key_var, content_type, payload = SOURCES[source]
    sent: list[Path] = []

    def handler(req: Request) -> Response:
        path = payload(req)
        sent.append(path)
        return Response(path.read_bytes(), content_type=content_type)

    httpserver.expect_request(__import__("re").compile(".*")).respond_with_handler(handler)
    monkeypatch.setenv(f"ECONSEC_{env}_BASE_URL", httpserver.url_for("").rstrip("/"))
    if key_var:
        monkeypatch.setenv(key_var, KEY)
    module = registry.connector(source)
    first = module.default_queries()[:1]
    monkeypatch.setattr(module, "default_queries", lambda: first)
    return source, module, sent


def test_refresh_stores_exactly_what_the_server_sent(served):
    source, module, sent = served
    result = CliRunner().invoke(main, ["refresh", "--source", source])
    assert result.exit_code == 0, result.output
    assert f"ok     {source}:" in result.stdout

    when = datetime.now(UTC)
    expected = pd.concat([module.parse(p.read_bytes(), source_url="x", retrieved_at=when) for p in dict.fromkeys(sent)],
                         ignore_index=True)
    stored = Store().read(module.TABLE)
    stored = stored[(stored["source"] == module.SOURCE) & stored["source_url"].str.startswith("http://")]
    key, value = schema.TABLE_KEYS[module.TABLE], schema.TABLE_VALUES[module.TABLE]
    got = stored.set_index(key)[value].sort_index()
    want = expected.set_index(key)[value].sort_index()
    assert len(got) == len(want) > 0
    pd.testing.assert_series_equal(got, want, check_names=False)


def test_no_key_on_disk_after_a_refresh(served):
    source, _, _ = served
    assert CliRunner().invoke(main, ["refresh", "--source", source]).exit_code == 0
    for folder, _, files in os.walk(Store().path):
        for name in files:
            assert KEY.encode() not in (Path(folder) / name).read_bytes(), (source, name)
