"""QR codes drawn on the page, so a phone's camera can open a link or add a second factor."""
from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """``text`` as an inline SVG QR code (medium error correction: survives a glare on a screen).

    segno draws with attributes only (no ``style``), so the markup passes the CSP; it
    holds no user text but the encoded modules, hence safe to insert as it is.
    """
    return Markup(segno.make(text, error="m").svg_inline(scale=5, dark="#1d2530"))
