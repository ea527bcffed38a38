"""What the Data & sources page (:mod:`dashboard.pages.sources`) draws: every source, what the store holds
from it, its last refresh, and where each bundled dataset came from with its caveats."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import data
from econsec import alerts, refresh, sources
from econsec.errors import EconsecError
from econsec.store import Store

FLAG_TEXT = {
    "derived": "Derived: processed by a third party from the original statistics.",
    "transcribed": "Transcribed: typed from a published table; verify against the original before publication.",
}


HISTORY_SHOWN = 20
ALERTS_SHOWN = 20


def _newest_retrieved() -> dict:
    store = Store()
    from econsec.schema import TABLE_VALIDATORS

    present = store.tables()
    return sources.newest_retrieved(
        {t: store.read(t)[["source", "retrieved_at"]] for t in TABLE_VALIDATORS if t in present}
    )


def _freshness_cell(fresh: sources.Freshness) -> html.Td:
    if fresh.as_of is None:
        return html.Td("No data", className="text-secondary")
    if fresh.stale:
        return html.Td(
            [
                dbc.Badge("STALE", color="danger", className="me-1"),
                html.Small(
                    f"data as of {fresh.as_of[:10]}, {fresh.age_days:.0f} days old; "
                    f"expected every {fresh.limit_days:.0f} days or sooner"
                ),
            ]
        )
    return html.Td(
        [
            html.Span("Current", className="text-success"),
            html.Br(),
            html.Small(f"as of {fresh.as_of[:10]}", className="text-secondary"),
        ]
    )


def _source_rows() -> list:
    status = data.refresh_status()
    stored = data.stored_by_source()
    newest = _newest_retrieved()
    rows = []
    for source in sources.SOURCES:
        info, state = stored.get(source.id, {}), status.get(source.id, {})
        last = state.get("last_success") or ("never (bundled data)" if info.get("rows") else "never")
        error = state.get("last_error")
        fresh = sources.freshness(
            source.id, newest_retrieved=newest.get(source.id), last_success=state.get("last_success")
        )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [html.Strong(source.name), html.Br(), html.Small(source.provides, className="text-secondary")]
                    ),
                    html.Td(f"{info.get('rows', 0):,}", className="text-end"),
                    html.Td(info.get("periods", "—")),
                    html.Td(
                        [last, html.Br(), html.Small(f"Last error: {error}", className="text-danger")]
                        if error
                        else last
                    ),
                    _freshness_cell(fresh),
                    html.Td(html.A(source.licence, href=source.url, rel="noreferrer")),
                ],
                className="table-warning" if fresh.stale else None,
            )
        )
    return rows


def _history_section() -> list:
    runs = refresh.history(Store(), HISTORY_SHOWN)
    head = html.H2("Refresh history", className="h5 mt-4")
    if not runs:
        return [
            head,
            html.P(
                "No refresh has run yet: `econsec refresh` or `econsec schedule` records each run here.",
                className="small text-secondary",
            ),
        ]
    body = []
    for run in runs:
        state = str(run.get("status") or ("ok" if run.get("ok") else "failed"))
        detail = (
            f"{run.get('rows', 0):,} rows: {run.get('added', 0):,} new, {run.get('changed', 0):,} changed, "
            f"{run.get('unchanged', 0):,} unchanged, {run.get('removed', 0):,} no longer reported"
            if state == "ok"
            else str(run.get("error") or "")
        )
        body.append(
            html.Tr(
                [
                    html.Td(str(run.get("started") or "")),
                    html.Td(str(run.get("ended") or "")),
                    html.Td(str(run.get("source", ""))),
                    html.Td(state.upper(), className="text-success" if state == "ok" else "text-danger"),
                    html.Td(detail, className="small"),
                ]
            )
        )
    return [
        head,
        html.P(f"The last {len(runs)} runs, newest first (times in UTC).", className="small text-secondary"),
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [html.Th("Started"), html.Th("Ended"), html.Th("Source"), html.Th("Result"), html.Th("Rows")]
                    )
                ),
                html.Tbody(body),
            ],
            bordered=False,
            size="sm",
            responsive=True,
            id="refresh-history",
        ),
    ]


def _alerts_section() -> list:
    latest = alerts.latest(Store(), ALERTS_SHOWN)
    head = html.H2("Goal alerts", className="h5 mt-4")
    if not latest:
        return [
            head,
            html.P("No goal has changed status since alerts were first recorded.", className="small text-secondary"),
        ]
    items = [
        html.Li(
            [
                html.Strong(f"{a.get('title', a.get('goal'))}: {a.get('old')} → {a.get('new')}"),
                html.Span(
                    f" ({str(a.get('time', ''))[:16].replace('T', ' ')} UTC"
                    f"{', threshold crossed' if a.get('kind') == 'threshold' else ''})",
                    className="text-secondary",
                ),
                html.Br(),
                html.Small(str(a.get("explanation", ""))),
            ],
            className="mb-2",
        )
        for a in latest
    ]
    return [
        head,
        html.P("Changes of goal status found after a refresh, newest first.", className="small text-secondary"),
        html.Ul(items, id="goal-alerts"),
    ]


def _dataset_card(entry: dict) -> dbc.Card:
    flags = [
        dbc.Badge(flag, color="warning" if flag == "transcribed" else "info", className="me-1")
        for flag in entry.get("flags", [])
    ]
    notes = [FLAG_TEXT[f] for f in entry.get("flags", []) if f in FLAG_TEXT] + list(entry.get("caveats", []))
    files = [
        html.Li(
            [
                html.Code(f["path"]),
                f" — sha256 {f['sha256'][:16]}…, {f['rows_in']:,} rows in, {f['rows_out']:,} tidy rows",
            ]
        )
        for f in entry.get("files", [])
    ]
    source = sources.SOURCES_BY_ID.get(entry.get("source", ""))
    where = [f"Source: {source.credit if source else entry.get('source', 'unknown')}."]
    if entry.get("retrieved"):
        where.append(f" Collected {entry['retrieved']}")
    if entry.get("origin"):
        where += [" from ", html.Code(entry["origin"])]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3([entry.get("title", entry.get("id", "dataset")), " ", *flags], className="h6"),
                html.P([*where, "."], className="small mb-1"),
                html.Ul([html.Li(n) for n in notes], className="small mb-1") if notes else None,
                html.Details([html.Summary("Files", className="small"), html.Ul(files, className="small")]),
            ]
        ),
        className="mb-2",
    )


def _definitions_section() -> list:
    """Every indicator's definition and unit, by family, from the registry (docs/REFERENCE.md has the same)."""
    from indicators import registry

    sections = [html.H2("Indicator definitions", className="h5 mt-4", id="definitions")]
    for module in registry.families():
        rows = [html.Tr([html.Td(html.Code(i.id)), html.Td(i.name), html.Td(i.unit + (f" ({i.scale})" if i.scale
                                                                                        else "")),
                         html.Td(i.definition, className="small")]) for i in module.INDICATORS]
        sections.append(html.Details([
            html.Summary(module.FAMILY),
            dbc.Table([html.Thead(html.Tr([html.Th("id"), html.Th("name"), html.Th("unit"), html.Th("definition")])),
                       html.Tbody(rows)], size="sm", responsive=True, className="small"),
        ], className="mb-2"))
    return sections


def layout() -> html.Div:
    try:
        manifest = data.manifest()
        body = [
            html.H1("Data and sources", className="h4"),
            html.P(
                "Every number on this dashboard comes from the public statistics below. While no refresh has "
                "run, the dashboard reads the bundled snapshot that ships with it.",
                className="text-secondary",
            ),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("Source"),
                                html.Th("Stored rows", className="text-end"),
                                html.Th("Periods"),
                                html.Th("Last refresh"),
                                html.Th("Freshness"),
                                html.Th("Licence"),
                            ]
                        )
                    ),
                    html.Tbody(_source_rows()),
                ],
                bordered=False,
                hover=True,
                responsive=True,
                size="sm",
                id="sources-table",
            ),
            *_alerts_section(),
            *_history_section(),
            html.H2("Bundled datasets", className="h5 mt-4"),
            html.P(
                f"Snapshot built {str(manifest.get('built_at', ''))[:10]} by `econsec snapshot build`.",
                className="small text-secondary",
            ),
            *[_dataset_card(entry) for entry in manifest.get("datasets", [])],
            *_definitions_section(),
        ]
    except EconsecError as exc:
        body = [dbc.Alert(f"The store cannot be read: {exc}", color="danger")]
    return html.Div(body)
