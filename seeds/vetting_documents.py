"""The documents of the demo dossiers: small valid PDF files written from scratch.

Each structure joins its statutes, its registration (SIRENE notice, or the
prefecture's receipt for an association) and, where it holds one, its agrément.
The files are plainly marked as demonstration documents.
"""

from __future__ import annotations

import textwrap

from marketplace.vendors.models import DocumentKind, LegalForm, Vendor
from seeds.vetting_texts import ASSOCIATIVE


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica, WinAnsi encoding) showing ``title`` and ``lines``."""

    def literal(text: str) -> bytes:
        raw = text.encode("cp1252", errors="replace")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    ops = [b"BT", b"/F1 15 Tf", b"72 770 Td", literal(title) + b" Tj", b"/F1 10 Tf", b"0 -30 Td"]
    for line in lines:
        ops += [literal(line) + b" Tj", b"0 -15 Td"]
    ops.append(b"ET")
    stream = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def _siret_display(siret: str) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


AGREMENTS = {
    LegalForm.ESUS: (
        "Agrément « entreprise solidaire d'utilité sociale »",
        "Direction régionale de l'économie, de l'emploi, du travail et des solidarités",
    ),
    LegalForm.EA: (
        "Contrat pluriannuel d'objectifs et de moyens – entreprise adaptée",
        "Direction régionale de l'économie, de l'emploi, du travail et des solidarités",
    ),
    LegalForm.ESAT: (
        "Autorisation de l'établissement et service d'accompagnement par le travail",
        "Agence régionale de santé Auvergne-Rhône-Alpes",
    ),
}
SIAE_AGREMENT = (
    "Conventionnement au titre de l'insertion par l'activité économique",
    "Direction départementale de l'emploi, du travail et des solidarités",
)
DEMO_NOTICE = (
    "Document de démonstration : organisation fictive, données inventées (Marché Solidaire)."
)


def dossier_documents(vendor: Vendor) -> list[tuple[DocumentKind, str, bytes]]:
    """(kind, file name, PDF bytes) of the documents a structure joins to its dossier."""
    form = vendor.legal_form or LegalForm.OTHER
    identity = [
        f"Dénomination : {vendor.legal_name or vendor.name}",
        f"SIRET : {_siret_display(vendor.siret or '')}",
        f"Siège : {vendor.address}, {vendor.postal_code} {vendor.commune}",
    ]
    purpose = textwrap.wrap(" ".join((vendor.description or "").split()), width=95)
    files = [
        (
            DocumentKind.STATUTES,
            f"statuts-{vendor.slug}.pdf",
            demo_pdf(
                f"Statuts – {vendor.legal_name or vendor.name}",
                [
                    *identity,
                    f"Forme juridique : {form.label}",
                    f"Année de création : {vendor.year_founded}",
                    "",
                    "Article 2 – Objet",
                    *purpose,
                    "",
                    DEMO_NOTICE,
                ],
            ),
        )
    ]
    associative = form in ASSOCIATIVE
    registration = (
        "Récépissé de déclaration d'association en préfecture"
        if associative
        else "Avis de situation au répertoire SIRENE"
    )
    files.append(
        (
            DocumentKind.REGISTRATION,
            f"{'recepisse' if associative else 'avis-de-situation-sirene'}-{vendor.slug}.pdf",
            demo_pdf(
                registration,
                [*identity, f"Année de création : {vendor.year_founded}", "", DEMO_NOTICE],
            ),
        )
    )
    if vendor.esus_agrement:
        title, issuer = AGREMENTS.get(
            form, SIAE_AGREMENT if form.is_siae else AGREMENTS[LegalForm.ESUS]
        )
        files.append(
            (
                DocumentKind.AGREMENT,
                f"agrement-{vendor.slug}.pdf",
                demo_pdf(title, [*identity, f"Délivré par : {issuer}", "", DEMO_NOTICE]),
            )
        )
    return files
