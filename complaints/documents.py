"""Printable Thai/English PDF documents (case records, statistics reports).

The renderer (complaints/pdf_render.py: fpdf2 with HarfBuzz and fontTools, about 25 MiB) is
imported the first time a document is printed, not in every worker at start.
"""

from __future__ import annotations

from complaints.document_model import Document, Section, Signature, Table

__all__ = ["Document", "Section", "Signature", "Table", "render_pdf"]


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes, Thai shaped and wrapped."""
    from complaints import pdf_render  # heavy: loaded on first use only

    return pdf_render.render_pdf(document)
