"""The ``econsec`` command line.

Every subcommand has ``--help``; every failure prints one clear line to stderr and exits
non-zero (1 for a data, source or store problem, 2 for a usage error).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from econsec import settings
from econsec.errors import EconsecError

FORMATS = ("csv", "parquet", "json")
#: ``--source NAME`` (repeatable) of ``refresh`` and ``schedule``.
SOURCES_OPTION = click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Only this source (repeatable). Default: every source with an API.",
)


class _Group(click.Group):
    """Turns every EconsecError into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except EconsecError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


def _setup_logging() -> None:
    level = (settings.raw("ECONSEC_LOG_LEVEL") or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise click.UsageError(f"ECONSEC_LOG_LEVEL={level!r} must be DEBUG, INFO, WARNING or ERROR")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="econsec")
def main() -> None:
    """econsec: US–Japan economic security indicators from public statistics."""
    _setup_logging()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; 127.0.0.1 keeps it local.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--debug", is_flag=True, help="Dash debug mode (reloader, tracebacks in the browser). Never in production."
)
@click.option(
    "--schedule",
    "with_schedule",
    is_flag=True,
    help="Also run the refresh schedule in this process (single-process installs); a file lock in the "
    "data directory keeps it to one process.",
)
def serve(host: str, port: int, debug: bool, with_schedule: bool) -> None:
    """Serve the dashboard (on the bundled snapshot until `econsec refresh` has stored data)."""
    from dashboard.app import create_app, start_warmup
    from econsec.store import Store

    store = Store()
    if with_schedule:
        from econsec import schedule as schedule_module

        schedule_module.check()  # a bad setting stops here, before serving
    where = "the bundled snapshot" if store.is_bundled else f"the data in {store.path}"
    app = create_app()  # a bad setting (ECONSEC_AUTH_TOKEN, ECONSEC_RESPONSE_CACHE_MB) stops here, before the banner
    click.echo(f"econsec dashboard on http://{host}:{port}/ reading {where}", err=True)
    start_warmup(app.server)  # the view modules and the store's tables, in the background: the first 200 does not wait
    if with_schedule:
        running = schedule_module.start_in_process(store)
        click.echo(
            "refresh schedule: running in this process" if running else "refresh schedule: run by another process",
            err=True,
        )
    from dashboard.security import RequestHandler

    app.run(host=host, port=port, debug=debug, request_handler=RequestHandler)  # no Werkzeug/Python banner


@main.command("schedule")
@SOURCES_OPTION
@click.option("--once", is_flag=True, help="Run the jobs that are due now, one after the other, and exit.")
@click.option("--list", "list_only", is_flag=True, help="Print the schedule (next run times, UTC) and exit.")
def schedule_command(sources: tuple[str, ...], once: bool, list_only: bool) -> None:
    """Refresh each source on its own schedule (ECONSEC_SCHEDULE_<SOURCE>, cron in UTC) until stopped.

    SIGTERM or Ctrl-C stops it cleanly: no new refresh starts and one in progress finishes.
    """
    from econsec import schedule as schedule_module

    entries = schedule_module.check(sources or None)
    if list_only:
        for line in schedule_module.listing(entries):
            click.echo(line)
        return
    if once:
        results = schedule_module.run_due(entries)
        if not results:
            click.echo("nothing due", err=True)
        failed = []
        for source, outcomes in results.items():
            for outcome in outcomes:
                click.echo(outcome.summary())
            if not outcomes or not all(o.ok for o in outcomes):
                failed.append(source)
        if failed:
            click.echo(
                f"error: {len(failed)} of {len(results)} due refreshes failed or were refused: {', '.join(failed)}",
                err=True,
            )
            sys.exit(1)
        return
    click.echo("econsec schedule: running (stop with Ctrl-C or SIGTERM)", err=True)
    for line in schedule_module.listing(entries):
        click.echo(line, err=True)
    schedule_module.run_forever(entries)


@main.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write; standard output when omitted (csv, json).",
)
@click.option("--indicator", "indicator_ids", multiple=True, help="Only these indicator ids (repeatable).")
@click.option("--reporter", "reporters", multiple=True, help="Only these reporters, ISO3 (repeatable).")
@click.option("--product", "products", multiple=True, help="Only these products: HS code or group id (repeatable).")
def indicators(
    fmt: str, out: Path | None, indicator_ids: tuple[str, ...], reporters: tuple[str, ...], products: tuple[str, ...]
) -> None:
    """Write every stored indicator value as a tidy table (HHI on the 0–1 scale)."""
    from econsec.store import Store

    table = Store().read("indicators")
    for column, wanted in (("indicator", indicator_ids), ("reporter", reporters), ("product", products)):
        if wanted:
            unknown = sorted(set(wanted) - set(table[column].unique()))
            if unknown:
                raise click.BadParameter(f"no stored values for {', '.join(unknown)}", param_hint=f"--{column}")
            table = table[table[column].isin(wanted)]
    _write_table(table, fmt, out)


def _write_table(table, fmt: str, out: Path | None) -> None:  # type: ignore[no-untyped-def]
    if fmt == "parquet":
        if out is None:
            raise click.UsageError("--format parquet needs --out FILE")
        table.to_parquet(out, index=False)
    elif fmt == "json":
        text = table.to_json(orient="records", indent=1)
        out.write_text(text) if out else click.echo(text)
    else:
        if out:
            table.to_csv(out, index=False)
        else:
            table.to_csv(sys.stdout, index=False)
    if out:
        click.echo(f"wrote {len(table)} rows to {out}", err=True)


@main.command()
@SOURCES_OPTION
def refresh(sources: tuple[str, ...]) -> None:
    """Pull, parse, validate and store the sources; recompute the indicators.

    A source that fails keeps its last good data; the exit code is 1 if any failed.
    """
    from econsec import refresh as refresh_module

    outcomes = refresh_module.run(sources or None, progress=lambda message: click.echo(message, err=True))
    click.echo("")
    for outcome in outcomes:
        click.echo(outcome.summary())
    failed = [o.source for o in outcomes if not o.ok]
    if failed:
        click.echo(f"error: {len(failed)} of {len(outcomes)} sources failed: {', '.join(failed)}", err=True)
        sys.exit(1)


@main.command()
@click.option("--source", "source_id", required=True, metavar="NAME", help="The source whose rows to write.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write; standard output when omitted (csv, json).",
)
def data(source_id: str, fmt: str, out: Path | None) -> None:
    """Write the stored tidy rows of one source (a data download; a check of what was stored)."""
    from econsec import sources
    from econsec.schema import TABLE_VALIDATORS
    from econsec.store import Store

    sources.get(source_id)  # ConfigError names the known sources
    store = Store()
    frames = [
        store.read(t).pipe(lambda f: f[f["source"] == source_id]) for t in TABLE_VALIDATORS if t in store.tables()
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        raise click.ClickException(f"no stored rows from {source_id}; run `econsec refresh --source {source_id}`")
    if len(frames) > 1:  # a source feeding two tables (not the case today) is written table by table
        raise click.ClickException(f"{source_id} has rows in several tables; this command writes one")
    _write_table(frames[0], fmt, out)


@main.command("sources")
def sources_command() -> None:
    """List every source: what it provides, last refresh, data vintage, last error."""
    from econsec import refresh as refresh_module
    from econsec import sources
    from econsec.schema import TABLE_VALIDATORS
    from econsec.store import Store

    store = Store()
    status = refresh_module.status(store)
    last_runs = refresh_module.last_runs(store)
    stored = {t: store.read(t) for t in TABLE_VALIDATORS if t in store.tables()}
    newest = sources.newest_retrieved(stored)
    click.echo(f"store: {'bundled snapshot' if store.is_bundled else store.path}")
    if store.warning:
        click.echo(f"WARNING: damaged store: {store.warning}")
    for source in sources.SOURCES:
        rows = [f[f["source"] == source.id] for f in stored.values()]
        rows = [r for r in rows if len(r)]
        n = sum(len(r) for r in rows)
        vintage = max((str(r["period"].max()) for r in rows), default="—")
        state = status.get(source.id, {})
        fresh = sources.freshness(
            source.id, newest_retrieved=newest.get(source.id), last_success=state.get("last_success")
        )
        click.echo(f"{source.id:15} {source.name}" + ("  [STALE]" if fresh.stale else ""))
        click.echo(f"{'':15} provides: {source.provides}")
        click.echo(
            f"{'':15} stored rows: {n:,}; latest period: {vintage}; "
            f"last refresh: {state.get('last_success') or 'never (bundled data)'}"
        )
        click.echo(f"{'':15} {fresh.describe()}")
        run = last_runs.get(source.id)
        if run:
            counts = (
                f"; {run.get('rows', 0):,} rows, {run.get('added', 0):,} new, {run.get('changed', 0):,} changed"
                if run.get("status") == "ok"
                else f": {run.get('error')}"
            )
            click.echo(f"{'':15} last run: {run.get('status', '?')} {run.get('started')} → {run.get('ended')}{counts}")
        if state.get("last_error"):
            click.echo(f"{'':15} last error: {state['last_error']}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(("text", "csv", "json")), default="text", show_default=True)
@click.option("--goal", "goal_ids", multiple=True, metavar="ID", help="Only these goals (repeatable).")
def goals(fmt: str, goal_ids: tuple[str, ...]) -> None:
    """Each policy goal of the essays with its status, latest values and explanation."""
    from econsec.store import Store
    from indicators import goals as goal_registry

    unknown = sorted(set(goal_ids) - set(goal_registry.GOALS_BY_ID))
    if unknown:
        raise click.BadParameter(
            f"unknown goal {', '.join(unknown)}; known: {', '.join(goal_registry.GOALS_BY_ID)}", param_hint="--goal"
        )
    table = Store().read("goal_status")
    if goal_ids:
        table = table[table["goal"].isin(goal_ids)]
    if fmt != "text":
        _write_table(table, fmt, None)
        return
    for goal_id, rows in table.groupby("goal", sort=False):
        goal = goal_registry.GOALS_BY_ID[goal_id]
        first = rows.iloc[0]
        click.echo(f"[{first['status'].upper():9}] {goal.title}  ({goal.theme})")
        click.echo(f"            from {goal.essay.citation}")
        click.echo(f"            {first['explanation']}")
        click.echo("")


@main.group()
def snapshot() -> None:
    """Build or inspect the bundled snapshot shipped inside the package."""


@snapshot.command("build")
@click.option(
    "--from",
    "shared",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The shared data folder (with PROVENANCE.md), e.g. ../shared/data.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write; default: the package's bundled snapshot folder.",
)
def snapshot_build(shared: Path, out: Path | None) -> None:
    """Send every bundled input through its parser, compute the indicators, write Parquet + manifest."""
    from econsec import build, store

    target = out or store.bundled_snapshot_dir()
    reference_dir = None if out else target.parent / "reference"
    manifest = build.build(shared, target, reference_dir=reference_dir)
    for entry in manifest["datasets"]:
        rows = sum(f["rows_out"] for f in entry["files"])
        click.echo(f"{entry['id']}: {rows} rows from {len(entry['files'])} file(s)")
    for name, info in manifest["tables"].items():
        click.echo(f"  {name}: {info['rows']} rows")
    click.echo(f"snapshot written to {target}")


@snapshot.command("info")
def snapshot_info() -> None:
    """Show what the store currently serves and where every dataset came from."""
    from econsec.store import Store

    store = Store()
    manifest = store.manifest()
    click.echo(f"reading: {'bundled snapshot' if store.is_bundled else store.current_dir()}")
    click.echo(f"built at: {manifest.get('built_at')}")
    for entry in manifest.get("datasets", []):
        flags = f" [{', '.join(entry['flags'])}]" if entry.get("flags") else ""
        click.echo(f"- {entry['id']}{flags}: {entry['title']}")
        click.echo(f"    source {entry['source']}, retrieved {entry['retrieved']}; from {entry['origin']}")
        for f in entry["files"]:
            click.echo(f"    {f['path']}  sha256 {f['sha256'][:12]}…  rows {f['rows_in']} -> {f['rows_out']}")


@main.group()
def export() -> None:
    """Charts as PNG, SVG or PDF images and the briefing pack (PDF or PowerPoint), through Chromium."""


@export.command("chart")
@click.option("--goal", "goal_id", help="Every chart of this goal's page (ids: `econsec goals`).")
@click.option("--indicator", help="One stored indicator over the years (ids: docs/REFERENCE.md), with the filters.")
@click.option("--reporter", default="USA", show_default=True, help="With --indicator: ISO3 code (QUJ = US+Japan).")
@click.option("--product", default="", help="With --indicator: product group (rare_earths) or HS code (850511).")
@click.option("--start", type=click.IntRange(1900, 2100), help="With --indicator: first year.")
@click.option("--end", type=click.IntRange(1900, 2100), help="With --indicator: last year.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["png", "svg", "pdf"]), default=("png",),
              show_default=True, help="Repeat for several formats.")
@click.option("--size", "size_id", type=click.Choice(["slide", "half-a4", "half-letter"]), default="slide",
              show_default=True, help="16:9 slide (2560×1440 PNG), or half an A4 / US-letter page at 300 dpi.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (created if missing); file names come from the chart, not from input.")
def export_chart(goal_id: str | None, indicator: str | None, reporter: str, product: str, start: int | None,
                 end: int | None, formats: tuple[str, ...], size_id: str, out_dir: Path) -> None:
    """Export charts as the dashboard draws them, in the house style, at a briefing size."""
    from dashboard import charts, images

    if bool(goal_id) == bool(indicator):
        raise click.UsageError("give either --goal ID or --indicator ID")
    if goal_id:
        built = charts.goal_charts(goal_id)
    else:
        built = [charts.indicator_chart(indicator, reporter, product, start, end)]
    for path in images.write_charts(built, out_dir, formats, size_id):
        click.echo(str(path))


@export.command("pack")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.pdf (A4 landscape) or FILE.pptx (16:9 slides).")
@click.option("--goal", "goal_ids", multiple=True, help="Only these goals (repeatable); default: every goal.")
def export_pack(out_file: Path, goal_ids: tuple[str, ...]) -> None:
    """The briefing pack: a cover with the data date, the scorecard, then one page or slide per goal."""
    from dashboard import briefing

    path = briefing.write(out_file, list(goal_ids) or None)
    click.echo(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":  # pragma: no cover
    main()
