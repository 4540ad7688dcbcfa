"""QR codes of key text (``keys show --qr``): terminal drawing and PNG files, via segno.

The terminal form packs two module rows into one line with half blocks (▀ ▄ █). By default the
*light* modules are drawn, which reads as a normal QR code on the usual dark terminal background
(as ``qrencode -t UTF8`` does); ``invert`` draws the dark modules, for light backgrounds. No
colour codes are written, so the drawing is the same with or without ``NO_COLOR``.
"""

from __future__ import annotations

TERMINAL_BORDER = 2
PNG_SCALE = 8
PNG_BORDER = 4
_HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def make(text: str):
    """The QR code of ``text``: error correction M, smallest version, no boost (stable output)."""
    import segno

    return segno.make(text, error="m", micro=False, boost_error=False)


def modules(qr, border: int = TERMINAL_BORDER) -> list[list[bool]]:
    """The module matrix with its quiet zone; True is a dark module."""
    return [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=border)]


def render_text(qr, *, invert: bool = False, border: int = TERMINAL_BORDER) -> str:
    rows = [[dark if invert else not dark for dark in row] for row in modules(qr, border)]
    if len(rows) % 2:
        rows.append([not invert] * len(rows[0]))  # one more quiet-zone row (light)
    return "\n".join("".join(_HALF[(t, b)] for t, b in zip(top, bottom)) for top, bottom in zip(rows[::2], rows[1::2]))


def write_png(qr, path: str) -> dict:
    """Write ``qr`` as a PNG (8 px per module, 4-module quiet zone); returns what was written."""
    from statuscli.core.errors import FileUnwritable

    try:
        qr.save(path, kind="png", scale=PNG_SCALE, border=PNG_BORDER)
    except OSError as e:
        raise FileUnwritable(f"cannot write {path}: {e.strerror or e}") from None
    width, height = qr.symbol_size(scale=PNG_SCALE, border=PNG_BORDER)
    return {"file": path, "width": width, "height": height, "version": qr.version, "modules": qr.symbol_size(scale=1, border=0)[0]}
