"""The A4 poster for the service counter and the notice board (measure 7: the channel must be seen
where outsiders easily see it): the municipality, a large QR code of the channel's public address
(segno, drawn on the server), the address in text, what can be reported, the protection promise
and the hotlines — Thai, with English below — as a print page and as a PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import urlsplit

import segno
from flask_babel import force_locale
from markupsafe import Markup

from complaints import documents, labels
from complaints.document_model import Document, Section
from complaints.i18n import gettext as _

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", ""})  # noqa: S104 - a host to refuse


@dataclass(frozen=True)
class Hotline:
    """Someone to call about corruption: the name and the number."""

    name: str
    phone: str


@dataclass(frozen=True)
class PosterText:
    """The poster's words in one language."""

    language: str
    heading: str
    municipality: str
    scan: str
    what_heading: str
    categories: tuple[str, ...]
    promise_heading: str
    promises: tuple[str, ...]
    hotlines_heading: str
    hotlines: tuple[Hotline, ...]


def channel_address(public_base_url: str) -> str | None:
    """The address the QR code opens, or None while it is still a loopback default."""
    parts = urlsplit(public_base_url.strip())
    if parts.scheme not in ("http", "https") or (parts.hostname or "") in LOOPBACK_HOSTS:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"


def short_address(address: str) -> str:
    """The address as people type it: no scheme, no trailing slash."""
    parts = urlsplit(address)
    return f"{parts.netloc}{parts.path.rstrip('/')}"


def qr_svg(address: str) -> Markup:
    """The QR code as inline SVG (error correction Q survives a worn or partly covered print)."""
    return Markup(segno.make(address, error="q").svg_inline(scale=8, dark="#000", light="#fff", border=4))  # noqa: S704 - segno's own SVG


def qr_png(address: str) -> bytes:
    """The QR code as a PNG for the PDF."""
    out = io.BytesIO()
    segno.make(address, error="q").save(out, kind="png", scale=12, border=4)
    return out.getvalue()


def texts(language: str, municipality: str, phone: str, categories: list[str]) -> PosterText:
    """The poster's words, in ``language`` whatever the reader chose."""
    with force_locale(language):
        return PosterText(
            language=language,
            heading=str(_("Report corruption and misconduct")),
            municipality=municipality,
            scan=str(_("Scan the code or type the address. You do not have to give your name.")),
            what_heading=str(_("What you can report")),
            categories=tuple(labels.category_label(code) for code in categories),
            promise_heading=str(_("How you are protected")),
            promises=(
                str(_("Your report is encrypted as soon as it is sent: only the legal unit holds its keys.")),
                str(_("Anonymous or confidential: your name is never shown to the people you report.")),
                str(_("A receipt code lets you follow your report and talk with the legal officer.")),
            ),
            hotlines_heading=str(_("Or call")),
            hotlines=(
                Hotline(str(_("The municipality's legal unit")), phone),
                Hotline(str(_("NACC")), "1205"),
                Hotline(str(_("PACC")), "1206"),
                Hotline(str(_("Damrongdhama Centre")), "1567"),
            ),
        )


def _hotline_line(text: PosterText) -> str:
    return " · ".join(f"{hotline.name} {hotline.phone}" for hotline in text.hotlines)


def pdf(address: str, thai: PosterText, english: PosterText) -> bytes:
    """The poster as one A4 page: Thai in full with the QR code, English condensed below."""
    sections = [
        Section(heading="", paragraphs=(thai.scan,), picture=qr_png(address), picture_mm=56.0),
        Section(heading=short_address(address)),
        Section(heading=thai.what_heading, paragraphs=(" · ".join(thai.categories),)),
        Section(heading=thai.promise_heading, paragraphs=thai.promises),
        Section(heading=thai.hotlines_heading, paragraphs=(_hotline_line(thai),)),
        Section(
            heading=f"{english.heading} · {english.municipality}",
            paragraphs=(
                f"{english.scan} {short_address(address)}",
                " ".join(english.promises),
                f"{english.hotlines_heading}: {_hotline_line(english)}",
            ),
        ),
    ]
    return documents.render_pdf(
        Document(
            title=thai.heading,
            subtitle=thai.municipality,
            sections=sections,
            footer=f"{thai.municipality} · {short_address(address)}",
            language="th",
            font_scale=0.74,
        )
    )
