import re
from pathlib import Path

import pytest

from econsec import settings
from econsec.errors import ConfigError

README = Path(__file__).parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text()
    missing = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"README.md does not list {missing}"


def test_every_setting_has_help_and_a_conventional_name():
    for s in settings.SETTINGS:
        assert s.help.strip(), s.name
        assert s.name.startswith("ECONSEC_") or s.secret, s.name


def test_defaults_and_environment(monkeypatch):
    monkeypatch.delenv("ECONSEC_COMTRADE_BASE_URL", raising=False)
    assert settings.base_url("comtrade") == "https://comtradeapi.un.org"
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", "http://127.0.0.1:9/")
    assert settings.base_url("comtrade") == "http://127.0.0.1:9"
    monkeypatch.setenv("ECONSEC_DATA_DIR", "~/x")
    assert settings.data_dir() == Path("~/x").expanduser()


@pytest.mark.parametrize(
    ("name", "value", "getter", "message"),
    [
        ("ECONSEC_HTTP_TIMEOUT", "soon", settings.http_timeout, "not a number"),
        ("ECONSEC_HTTP_TIMEOUT", "0", settings.http_timeout, "at least"),
        ("ECONSEC_HTTP_RETRIES", "-1", settings.http_retries, "at least"),
        ("ECONSEC_HTTP_RETRIES", "2.5", settings.http_retries, "not a number"),
    ],
)
def test_bad_values_are_config_errors(monkeypatch, name, value, getter, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(name) + ".*" + message):
        getter()


def test_bad_base_url(monkeypatch):
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", "ftp://example")
    with pytest.raises(ConfigError, match="http"):
        settings.base_url("comtrade")


def test_undeclared_names_are_refused():
    with pytest.raises(ConfigError):
        settings.raw("ECONSEC_NOPE")
    with pytest.raises(ConfigError):
        settings.secret("ECONSEC_DATA_DIR")


def test_secret_values_lists_only_set_secrets(monkeypatch):
    assert settings.secret_values() == []
    monkeypatch.setenv("COMTRADE_API_KEY", "k-123")
    assert settings.secret_values() == ["k-123"]
