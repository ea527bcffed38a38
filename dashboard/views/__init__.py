"""What the pages draw: layouts, figures and tables built from the store ("pages declare, views build").

A module of :mod:`dashboard.pages` registers its page (path, title, metadata), names its component ids and
declares its callbacks; it imports the view that builds its content only when a request needs it. Making
the app and serving its shell (``/``, ``/_dash-layout``) thus imports no numpy, pandas, pyarrow or pandera:
they load with the first page content, or before it in the background (:func:`dashboard.app.start_warmup`).
A view never imports a page module (Dash executes those again for every new app).
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

#: One import of a view at a time: the warm-up thread and a request importing two views at once could
#: otherwise deadlock on an import cycle among the modules they share. Uncontended once they are imported.
_IMPORT_LOCK = threading.RLock()


def load(name: str) -> ModuleType:
    """The view module ``dashboard.views.<name>``, imported on first use."""
    with _IMPORT_LOCK:
        return importlib.import_module(f"{__name__}.{name}")
