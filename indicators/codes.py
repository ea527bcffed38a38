"""Reporter codes econsec assigns itself. Plain constants with no imports, so that modules read at
page-declaration time (:mod:`indicators.goals`, the dashboard's page modules) stay free of pandas."""

from __future__ import annotations

BLOC = "QUJ"  # United States + Japan, pooled (ISO 3166 user-assigned range: cannot clash)
