"""QR codes of invite links, drawn by segno as SVG: inline in the page (plain markup, which the
page's Content-Security-Policy allows: no script, no style attribute) and as a file to print."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup

# Medium error correction: a printed code still reads with a smudge or a fold.
ERROR = "m"
BORDER = 4  # the quiet zone the standard asks for, in modules


def _code(text: str) -> segno.QRCode:
    return segno.make(text, error=ERROR, micro=False)


def qr_inline(text: str) -> Markup:
    """``<svg viewBox=…>`` scaled by CSS, dark modules on a white square (readable in the dark
    theme too)."""
    svg = _code(text).svg_inline(
        scale=1, border=BORDER, omitsize=True, dark="#000", light="#fff", svgclass="inv-qr"
    )
    return Markup(svg)  # segno's own markup of the text it encoded


def qr_file(text: str) -> str:
    """A standalone SVG document, 8 px a module, for saving and printing."""
    out = io.BytesIO()
    _code(text).save(out, kind="svg", scale=8, border=BORDER, dark="#000", light="#fff")
    return out.getvalue().decode("utf-8")
