"""Every source is registered, connected, documented and has test payloads (datasette's habit)."""

import importlib
from pathlib import Path

import pytest

from connectors import registry
from econsec import build, schema, sources

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
TEST_DATA = {"un_comtrade": "comtrade", "worldbank": "worldbank", "imf": "imf", "us_census": "census",
             "usgs": "usgs", "oecd": "oecd", "japan_customs": "japan_customs", "taiwan_customs": "taiwan_customs",
             "bank_indonesia": "bank_indonesia"}


def test_every_source_has_a_connector_or_file_loaders():
    assert set(registry.API_CONNECTORS) | set(registry.FILE_ONLY) == set(sources.SOURCES_BY_ID)
    assert not set(registry.API_CONNECTORS) & set(registry.FILE_ONLY)


@pytest.mark.parametrize("source", sorted(registry.API_CONNECTORS))
def test_api_connectors_follow_the_protocol(source):
    module = registry.connector(source)
    assert source == module.SOURCE and module.TABLE in schema.TABLE_VALIDATORS
    assert module.__doc__ and len(module.__doc__) > 200, "the module docstring explains the API"
    for name in ("default_queries", "fetch", "parse"):
        assert callable(getattr(module, name)), name
    assert module.default_queries(), "the dashboard needs something from every source"


@pytest.mark.parametrize("source", sorted(registry.FILE_ONLY))
def test_file_only_sources_have_a_loader_module(source):
    module = importlib.import_module(registry.FILE_ONLY[source])
    assert module.__doc__


@pytest.mark.parametrize("source", sorted(sources.SOURCES_BY_ID))
def test_every_source_has_test_payloads_with_their_origin(source):
    folder = ROOT / "tests" / "data" / TEST_DATA[source]
    assert (folder / "README.md").is_file(), f"{folder} needs a README saying where each payload came from"
    assert len(list(folder.iterdir())) > 1


@pytest.mark.parametrize("source", sorted(sources.SOURCES_BY_ID))
def test_every_source_is_in_the_readme(source):
    assert sources.get(source).name in README


def test_every_bundled_input_names_a_known_source_table_and_loader():
    for spec in build.INPUTS:
        assert spec.source in sources.SOURCES_BY_ID and spec.table in schema.TABLE_VALIDATORS, spec.id
        for index in range(len(spec.files)):
            module, function = spec.loader_of(index).split(":")
            assert callable(getattr(importlib.import_module(module), function)), spec.loader_of(index)
