"""Data and sources: every source, what the store holds from it, its last refresh, and where each
bundled dataset came from with its caveats ("derived", "transcribed")."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import data
from econsec import sources
from econsec.errors import EconsecError

dash.register_page(
    __name__,
    path="/sources",
    name="Data & sources",
    title="Data and sources · econsec",
    description="Every public source, its coverage, last refresh and caveats.",
    order=90,
)

FLAG_TEXT = {
    "derived": "Derived: processed by a third party from the original statistics.",
    "transcribed": "Transcribed: typed from a published table; verify against the original before publication.",
}


def _source_rows() -> list:
    status = data.refresh_status()
    stored = data.stored_by_source()
    rows = []
    for source in sources.SOURCES:
        info, state = stored.get(source.id, {}), status.get(source.id, {})
        last = state.get("last_success") or ("never (bundled data)" if info.get("rows") else "never")
        error = state.get("last_error")
        rows.append(html.Tr([
            html.Td([html.Strong(source.name), html.Br(), html.Small(source.provides, className="text-secondary")]),
            html.Td(f"{info.get('rows', 0):,}", className="text-end"),
            html.Td(info.get("periods", "—")),
            html.Td([last, html.Br(), html.Small(f"Last error: {error}", className="text-danger")] if error else last),
            html.Td(html.A(source.licence, href=source.url, rel="noreferrer")),
        ]))
    return rows


def _dataset_card(entry: dict) -> dbc.Card:
    flags = [dbc.Badge(flag, color="warning" if flag == "transcribed" else "info", className="me-1")
             for flag in entry.get("flags", [])]
    notes = [FLAG_TEXT[f] for f in entry.get("flags", []) if f in FLAG_TEXT] + list(entry.get("caveats", []))
    files = [html.Li([html.Code(f["path"]), f" — sha256 {f['sha256'][:16]}…, {f['rows_in']:,} rows in, "
                      f"{f['rows_out']:,} tidy rows"]) for f in entry.get("files", [])]
    source = sources.SOURCES_BY_ID.get(entry.get("source", ""))
    where = [f"Source: {source.credit if source else entry.get('source', 'unknown')}."]
    if entry.get("retrieved"):
        where.append(f" Collected {entry['retrieved']}")
    if entry.get("origin"):
        where += [" from ", html.Code(entry["origin"])]
    return dbc.Card(dbc.CardBody([
        html.H3([entry.get("title", entry.get("id", "dataset")), " ", *flags], className="h6"),
        html.P([*where, "."], className="small mb-1"),
        html.Ul([html.Li(n) for n in notes], className="small mb-1") if notes else None,
        html.Details([html.Summary("Files", className="small"), html.Ul(files, className="small")]),
    ]), className="mb-2")


def layout(**_query: str) -> html.Div:
    try:
        manifest = data.manifest()
        body = [
            html.H1("Data and sources", className="h4"),
            html.P("Every number on this dashboard comes from the public statistics below. While no refresh has "
                   "run, the dashboard reads the bundled snapshot that ships with it.", className="text-secondary"),
            dbc.Table([html.Thead(html.Tr([html.Th("Source"), html.Th("Stored rows", className="text-end"),
                                           html.Th("Periods"), html.Th("Last refresh"), html.Th("Licence")])),
                       html.Tbody(_source_rows())], bordered=False, hover=True, responsive=True, size="sm",
                      id="sources-table"),
            html.H2("Bundled datasets", className="h5 mt-4"),
            html.P(f"Snapshot built {str(manifest.get('built_at', ''))[:10]} by `econsec snapshot build`.",
                   className="small text-secondary"),
            *[_dataset_card(entry) for entry in manifest.get("datasets", [])],
        ]
    except EconsecError as exc:
        body = [dbc.Alert(f"The store cannot be read: {exc}", color="danger")]
    return html.Div(body)
