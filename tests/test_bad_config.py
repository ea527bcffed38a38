"""Bad configuration through the command line: one clear ``error:`` line and a non-zero exit, never a
traceback. (Bad cron expressions and unknown sources for `econsec schedule` are in tests/test_schedule.py;
the settings getters themselves in tests/test_settings.py; a damaged store in tests/test_store_corruption.py.)"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dashboard.cli import main
from econsec import settings
from econsec.errors import ConfigError
from econsec.store import Store


def run(*args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, err: str, message: str) -> None:
    assert code == 1, err
    assert err.startswith("error: ") and message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("args, message", [
    (["refresh", "--source", "nope"], "unknown source 'nope'; sources with an API: imf, oecd"),
    (["refresh", "--source", "taiwan_customs"], "taiwan_customs has no API"),
    (["data", "--source", "nope"], "unknown source 'nope'; known sources: un_comtrade"),
])
def test_unknown_source(args, message):
    code, _, err = run(*args)
    assert_one_line_error(code, err, message)
    assert Store().is_bundled  # nothing was written


@pytest.mark.parametrize("name, value, message", [
    ("ECONSEC_HTTP_TIMEOUT", "soon", "is not a number"),
    ("ECONSEC_HTTP_TIMEOUT", "inf", "must be a finite number"),
    ("ECONSEC_HTTP_TIMEOUT", "-3", "must be at least 0.1"),
    ("ECONSEC_HTTP_RETRIES", "nan", "is not a number"),
    ("ECONSEC_HTTP_RETRIES", "-1", "must be at least 0"),
    ("ECONSEC_HTTP_BACKOFF", "NaN", "must be a finite number"),
    ("ECONSEC_HTTP_BACKOFF", "1e999", "must be a finite number"),
])
def test_a_bad_http_setting_fails_the_refresh_with_its_name(monkeypatch, name, value, message):
    """Read when the first source is fetched: every source fails with the setting named, exit 1."""
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["refresh", "--source", "un_comtrade"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"FAILED un_comtrade: {name}={value!r} {message}" in result.stdout
    assert "error: 1 of 1 sources failed: un_comtrade" in result.stderr
    assert Store().is_bundled


@pytest.mark.parametrize("name, value, args, message", [
    ("ECONSEC_SMTP_PORT", "smtp", ["refresh"], "ECONSEC_SMTP_PORT='smtp' is not a number"),
    ("ECONSEC_SMTP_PORT", "70000", ["refresh"], "ECONSEC_SMTP_PORT=70000 must be at most 65535"),
    ("ECONSEC_STALE_GRACE_DAYS", "a week", ["sources"], "ECONSEC_STALE_GRACE_DAYS='a week' is not a number"),
    ("ECONSEC_STALE_GRACE_DAYS", "-1", ["sources"], "must be at least 0"),
    ("ECONSEC_STALE_GRACE_DAYS", "inf", ["sources"], "must be a finite number"),
    ("ECONSEC_MISFIRE_GRACE_SECONDS", "0", ["schedule", "--list"], "must be at least 1"),
])
def test_other_numeric_settings(monkeypatch, name, value, args, message):
    monkeypatch.setenv(name, value)
    code, _, err = run(*args)
    assert_one_line_error(code, err, message)


@pytest.mark.parametrize("value, message", [("lots", "ECONSEC_RESPONSE_CACHE_MB='lots' is not a number"),
                                            ("-3", "ECONSEC_RESPONSE_CACHE_MB='-3' must be at least 0")])
def test_a_bad_response_cache_size_stops_serve_before_it_announces_itself(monkeypatch, value, message):
    import dash

    def never(*_args, **_kwargs):
        raise AssertionError("serve must stop before serving")

    monkeypatch.setattr(dash.Dash, "run", never)  # a regression fails here instead of serving forever
    monkeypatch.setenv("ECONSEC_RESPONSE_CACHE_MB", value)
    code, _, err = run("serve")
    assert_one_line_error(code, err, message)


def test_every_numeric_setting_refuses_nan_and_infinity(monkeypatch):
    getters = {"ECONSEC_HTTP_TIMEOUT": settings.http_timeout, "ECONSEC_HTTP_RETRIES": settings.http_retries,
               "ECONSEC_HTTP_BACKOFF": settings.http_backoff, "ECONSEC_STALE_GRACE_DAYS": settings.stale_grace_days,
               "ECONSEC_MISFIRE_GRACE_SECONDS": settings.misfire_grace_seconds, "ECONSEC_SMTP_PORT": settings.smtp_port,
               "ECONSEC_RESPONSE_CACHE_MB": settings.response_cache_bytes}
    for name, getter in getters.items():
        for value in ("nan", "inf", "-inf", "1e400", "", "  "):
            monkeypatch.setenv(name, value)
            if value.strip():
                with pytest.raises(ConfigError, match=name):
                    getter()
            else:
                assert getter() == getter.__call__()  # blank means the default


def test_bad_log_level_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("ECONSEC_LOG_LEVEL", "LOUD")
    code, _, err = run("sources")
    assert code == 2 and "ECONSEC_LOG_LEVEL='LOUD' must be DEBUG, INFO, WARNING or ERROR" in err


# ------------------------------------------------------------------------------ the data directory
@pytest.fixture
def data_dir_is_a_file(tmp_path, monkeypatch):
    path = tmp_path / "data.txt"
    path.write_text("not a directory")
    monkeypatch.setenv("ECONSEC_DATA_DIR", str(path))
    return path


@pytest.mark.parametrize("args", [["sources"], ["indicators"], ["goals"], ["snapshot", "info"],
                                  ["data", "--source", "imf"]])
def test_a_data_dir_that_is_a_file_is_one_line_for_readers(data_dir_is_a_file, args):
    code, _, err = run(*args)
    assert_one_line_error(code, err, f"the data directory {data_dir_is_a_file} is not a directory")


def test_a_data_dir_that_is_a_file_refuses_a_refresh(data_dir_is_a_file):
    code, _, err = run("refresh", "--source", "un_comtrade")
    assert_one_line_error(code, err, "is not a directory")
    assert data_dir_is_a_file.read_text() == "not a directory"


def test_an_unwritable_data_dir_refuses_a_refresh(monkeypatch):
    """/sys refuses new directories even to root (a chmod-ed folder would not stop root, which CI runs as)."""
    monkeypatch.setenv("ECONSEC_DATA_DIR", "/sys/econsec-test-data")
    code, _, err = run("refresh", "--source", "un_comtrade")
    assert_one_line_error(code, err, "cannot write to the data directory /sys/econsec-test-data")
    code, out, _ = run("sources")  # a reader still works: the bundled snapshot
    assert code == 0 and "store: bundled snapshot" in out
