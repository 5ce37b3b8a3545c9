"""The statistics as files: CSV (UTF-8 with a byte-order mark, so Excel shows Thai), JSON and an
Excel workbook with one sheet per table (openpyxl). All three print :func:`stats_tables.tables`
of one :class:`~complaints.stats.Figures`, so they carry the same numbers as the public page."""

from __future__ import annotations

import csv
import io
import json
import re

from complaints import stats, stats_tables

FORMATS = ("csv", "json", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def file_name(fiscal_year: int, fmt: str) -> str:
    """The download's name, e.g. ``statistics-2569.xlsx``."""
    return f"statistics-{fiscal_year}.{fmt}"


def to_csv(figures: stats.Figures) -> bytes:
    """Every table one after the other: its title, its header, its rows, a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([stats_tables.fiscal_year_title(figures)])
    writer.writerow([])
    for table in stats_tables.tables(figures):
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(["" if value is None else value for value in row] for row in table.rows)
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_json(figures: stats.Figures) -> bytes:
    """The tables as JSON, keyed by table (``by_month``, ``department``, …)."""
    return json.dumps(stats_tables.as_mapping(figures), ensure_ascii=False, indent=1).encode("utf-8")


def _sheet_name(title: str, taken: set[str]) -> str:
    name = _SHEET_FORBIDDEN.sub(" ", title)[:SHEET_NAME_MAX].strip() or "table"
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = name[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
    taken.add(candidate)
    return candidate


def to_xlsx(figures: stats.Figures) -> bytes:
    """A workbook: one sheet per table, named by its (Thai) title, headers in bold."""
    from openpyxl import Workbook  # about 7 MiB: loaded on first export only
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for table in stats_tables.tables(figures):
        sheet = book.create_sheet(_sheet_name(table.title, taken))
        sheet.append([stats_tables.fiscal_year_title(figures)])
        sheet.append([table.title])
        sheet.append(list(table.header))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(figures: stats.Figures, fmt: str) -> bytes:
    """The figures in one of :data:`FORMATS`."""
    return {"csv": to_csv, "json": to_json, "xlsx": to_xlsx}[fmt](figures)
