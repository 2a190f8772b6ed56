"""French départements and régions, and the platform's eligible territory."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "departements.csv"
POSTAL_CODE_RE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region_code: str
    region: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@lru_cache(maxsize=1)
def departements() -> dict[str, Departement]:
    with _DATA.open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter=";")
        return {r["code"]: Departement(r["code"], r["nom"], r["region_code"], r["region"]) for r in rows}


def departement(code: str | None) -> Departement | None:
    return departements().get(code or "")


def regions() -> dict[str, str]:
    return {d.region_code: d.region for d in departements().values()}


def departement_from_postal_code(postal_code: str) -> Departement | None:
    """Map a French postal code to its département (Corsica and overseas included)."""
    code = (postal_code or "").strip().replace(" ", "")
    if not POSTAL_CODE_RE.match(code):
        return None
    if code.startswith("97"):
        return departement(code[:3])
    if code.startswith("20"):
        return departement("2A" if int(code) < 20200 else "2B")
    return departement(code[:2])


def is_eligible(dep_code: str | None, eligible: list[str]) -> bool:
    return dep_code is not None and dep_code in eligible


def choices(codes: list[str] | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for a select, in code order."""
    deps = departements()
    wanted = codes if codes is not None else list(deps)
    return [(c, deps[c].label) for c in wanted if c in deps]
