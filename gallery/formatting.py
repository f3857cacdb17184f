"""How quantities read on pages: one filter each, so every page writes them the same way."""
from __future__ import annotations

from flask import Flask


def units(value: float | None) -> str:
    """Toxin units as a clinician writes them: "4 U", "2.5 U", "100 U", never "4.0 U" or "66.0".

    Sites take half units at the finest (the plan editor's step), so two decimals always suffice.
    """
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".") + " U"


def init_app(app: Flask) -> None:
    app.add_template_filter(units, "units")
