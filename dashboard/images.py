"""Static images of the dashboard's figures: PNG, SVG and PDF through kaleido 1.x and Debian's Chromium.

One persistent browser per process (``kaleido.start_sync_server``), started on the first export and
again in a forked child (gunicorn workers), so a warm export costs a fraction of a second instead of a
new Chromium each time. plotly.js comes from the installed plotly package, MathJax is off and map
outlines come from the repository's ``assets/topojson``: exporting makes no request to any network.

Sizes are briefing sizes in CSS pixels (96 per inch), rendered at high resolution: a 16:9 slide at
2× (2560×1440 PNG), half an A4 or US-letter page at 300 dpi. SVG and PDF are vector at the size.

>>> size("slide").pixels("png")
(2560, 1440)
>>> size("half-a4").pixels("png")
(2481, 1753)
"""

from __future__ import annotations

import atexit
import copy
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

from econsec.errors import EconsecError

#: The repository's assets/ folder (as in dashboard.app; not imported from there, which imports this module).
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
FORMATS = ("png", "svg", "pdf")
#: What an image-export button accepts from the browser: a figure whose text (repr) is at most this long.
MAX_FIGURE_TEXT = 5_000_000
INSTALL_HINT = (
    "install Debian's Chromium with `apt-get install -y chromium fonts-liberation` "
    "(or point BROWSER_PATH at a Chromium or Chrome binary)"
)


class ExportError(EconsecError):
    """An image or briefing could not be made (no browser, a bad figure, a bad size or format)."""


@dataclass(frozen=True)
class Size:
    id: str
    label: str
    width: int  # CSS pixels
    height: int
    png_scale: float  # raster resolution: 2 = "retina" slide, 300/96 = 300 dpi on paper

    def pixels(self, fmt: str) -> tuple[int, int]:
        """The image's size in pixels (PNG) or CSS pixels (SVG, PDF)."""
        scale = self.png_scale if fmt == "png" else 1
        return round(self.width * scale), round(self.height * scale)


SIZES = {
    s.id: s
    for s in (
        Size("slide", "16:9 slide (13.33 × 7.5 in)", 1280, 720, 2.0),
        Size("half-a4", "half an A4 page (210 × 148.5 mm), 300 dpi", 794, 561, 300 / 96),
        Size("half-letter", "half a US-letter page (8.5 × 5.5 in), 300 dpi", 816, 528, 300 / 96),
    )
}
DEFAULT_SIZE = "slide"


def size(size_id: str) -> Size:
    try:
        return SIZES[size_id]
    except KeyError:
        raise ExportError(f"unknown size {size_id!r}: choose one of {', '.join(SIZES)}") from None


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown image format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


# -- the figure as exported ------------------------------------------------------------------------
def sized(fig: go.Figure | dict, size_id: str = DEFAULT_SIZE) -> go.Figure:
    """A copy of ``fig`` laid out for ``size_id``: the same figure the page draws, at a fixed size.

    A figure that comes back from the browser (a dict) is rebuilt through plotly's validators (an
    unknown property is an error) and loses any ``layout.images``: images are the one place a figure
    could make the renderer load a file or URL."""
    s = size(size_id)
    if isinstance(fig, go.Figure):
        out = go.Figure(fig)
    else:
        if not isinstance(fig, dict) or len(repr(fig)) > MAX_FIGURE_TEXT:
            raise ExportError("not a chart that can be exported (missing, or larger than 5 MB)")
        try:
            out = go.Figure(copy.deepcopy(fig))
        except (ValueError, TypeError) as exc:
            raise ExportError(f"not a valid plotly figure: {str(exc).splitlines()[0]}") from None
    out.layout.images = ()
    out.update_layout(width=s.width, height=s.height, autosize=False)
    return out


# -- the browser -----------------------------------------------------------------------------------
_lock = threading.Lock()
_server_pid: int | None = None


def browser_path() -> str | None:
    """The Chromium kaleido will drive: ``BROWSER_PATH`` if set, else chromium/chrome on PATH."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _quiet_browser_logs() -> None:
    """kaleido and choreographer log every tab at INFO: keep them to warnings unless we debug."""
    level = max(logging.WARNING, logging.getLogger().getEffectiveLevel())
    for name in ("kaleido", "choreographer"):
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(level)


def _start() -> None:
    """Start this process's kaleido server (once; again after a fork)."""
    global _server_pid
    import kaleido

    _quiet_browser_logs()
    if _server_pid == os.getpid():
        return
    if browser_path() is None:
        raise ExportError(f"image export needs a Chromium browser and none was found: {INSTALL_HINT}")
    if _server_pid is not None:  # inherited from the parent by a fork: its browser is not ours
        kaleido.stop_sync_server(silence_warnings=True)
    kaleido.start_sync_server(n=1, timeout=90, mathjax=False, silence_warnings=True)
    _server_pid = os.getpid()
    atexit.register(stop)


def stop() -> None:
    """Close this process's browser (at exit; tests call it too)."""
    global _server_pid
    import kaleido

    with _lock:
        if _server_pid == os.getpid():
            kaleido.stop_sync_server(silence_warnings=True)
        _server_pid = None


def render(fig: go.Figure | dict, fmt: str, size_id: str = DEFAULT_SIZE) -> bytes:
    """``fig`` as a ``fmt`` image at ``size_id``."""
    check_format(fmt)
    s = size(size_id)
    figure = sized(fig, size_id)
    topojson = (ASSETS_DIR / "topojson").as_uri() + "/"
    opts = {"format": fmt, "width": s.width, "height": s.height, "scale": s.png_scale if fmt == "png" else 1}
    import kaleido
    from choreographer.errors import BrowserFailedError, ChromeNotFoundError

    with _lock:  # one browser, one page at a time
        try:
            _start()
            return kaleido.calc_fig_sync(figure.to_dict(), opts=opts, topojson=topojson)
        except ChromeNotFoundError:
            raise ExportError(f"image export needs a Chromium browser and none was found: {INSTALL_HINT}") from None
        except BrowserFailedError as exc:
            raise ExportError(f"the browser for image export failed to start ({exc}); {INSTALL_HINT}") from None
        except (RuntimeError, ValueError, TimeoutError) as exc:
            raise ExportError(f"the chart could not be drawn as {fmt.upper()}: {exc}") from None


def safe_name(stem: str, fmt: str) -> str:
    """``econsec_<stem>.<fmt>`` with only lower-case letters, digits, ``_`` and ``-`` in the stem.

    >>> safe_name("../USA_Rare earths", "png")
    'econsec_usa_rare_earths.png'
    """
    clean = re.sub(r"[^a-z0-9_-]+", "_", stem.lower()).strip("_-")[:120] or "chart"
    return f"econsec_{clean}.{check_format(fmt)}"


def write_bytes(content: bytes, path: Path) -> Path:
    """Write ``content`` so that ``path`` appears complete or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_charts(charts: Iterable, out_dir: Path, formats: Iterable[str], size_id: str = DEFAULT_SIZE) -> list[Path]:
    """Every chart (:class:`dashboard.charts.Chart`) in every format into ``out_dir``; the paths written."""
    formats = [check_format(f) for f in formats]
    size(size_id)
    written = []
    for chart in charts:
        for fmt in formats:
            written.append(write_bytes(render(chart.figure, fmt, size_id), out_dir / safe_name(chart.key, fmt)))
    return written
