"""The printed card: its QR code (SVG) and the PDFs, one A6 card or A4 sheets of four.

The same partial (cards/_card.html) draws the card on the staff page's preview and in the PDFs;
weasyprint embeds the Noto CJK fonts, as for the case notices (docs/adr/0003). The QR code is made
by `qrcode` as SVG (docs/adr/0004) and holds only the public URL with the card's token.
"""

from __future__ import annotations

import base64
from typing import Any

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from qrcode.image.svg import SvgPathImage

from .selectors import CardContent

# A6 cards, four to an A4 page (2 × 2, no gutter: A4 halves exactly into A6).
CARDS_PER_SHEET = 4


def qr_svg(url: str) -> str:
    # Level M: still readable when a printed card is slightly worn or creased (ADR 0004).
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=SvgPathImage)
    code.add_data(url)
    code.make(fit=True)
    return str(code.make_image().to_string(encoding="unicode"))


def qr_data_uri(url: str) -> str:
    """The QR code as an <img> source: the browser and weasyprint draw it the same way."""
    encoded = base64.b64encode(qr_svg(url).encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def card_context(content: CardContent) -> dict[str, Any]:
    return {"c": content, "qr": qr_data_uri(content.public_url)}


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import, needed only when a card is printed

    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def card_pdf(content: CardContent) -> bytes:
    """One card on an A6 page."""
    return _pdf(render_to_string("cards/pdf/card.html", {"card": card_context(content)}))


def sheet_pdf(contents: list[CardContent], title: str) -> bytes:
    """Cards four to an A4 page, with cut lines, in the given order."""
    cards = [card_context(c) for c in contents]
    pages = [cards[i:i + CARDS_PER_SHEET] for i in range(0, len(cards), CARDS_PER_SHEET)]
    return _pdf(render_to_string("cards/pdf/sheet.html", {"pages": pages, "title": title}))
