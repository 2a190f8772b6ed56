"""Helpers for the tenders tests: a frozen clock, form data, files."""
from __future__ import annotations

import datetime as dt
import html
import io
import zipfile

import pytest

from marketplace.core import clock

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(NOW)
    yield NOW


def paris(days: int, hour: int = 12) -> str:
    """A datetime-local value ``days`` after NOW at ``hour``:00, Paris time."""
    day = (NOW + dt.timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


def tender_form(**overrides) -> dict:
    data = {
        "reference": "AO-2026-101",
        "title": "Restauration scolaire bio",
        "object": "Fourniture et livraison de repas bio pour les trois écoles de la commune.",
        "procedure": "procedure_adaptee",
        "category_id": "0",
        "departement": "38",
        "reservation": "none",
        "social_clause": "",
        "question_deadline": paris(10),
        "submission_deadline": paris(20),
    }
    data.update(overrides)
    return data


def office_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_BYTES = office_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX_BYTES = office_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT_BYTES = office_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
ZIP_BYTES = office_zip({"plan.txt": b"Plan des sites"})


def text(response) -> str:
    """The page as a reader sees it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))
