"""French business identifiers (SIRET), validated with python-stdnum."""
from __future__ import annotations

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.fr import siret


def clean_siret(value: str) -> str:
    return siret.compact(value or "")


def is_valid_siret(value: str) -> bool:
    """14 digits, Luhn key valid on the SIRET and on its SIREN."""
    try:
        siret.validate(value or "")
    except ValidationError:
        return False
    return True


def make_siret(n: int, establishment: int = 1) -> str:
    """A valid SIRET built from ``n`` (demo data and tests)."""
    prefix = f"{n % 10**8:08d}"
    siren_number = prefix + luhn.calc_check_digit(prefix)
    body = f"{siren_number}{establishment:04d}"
    for last in "0123456789":
        if luhn.is_valid(body + last):
            return body + last
    raise AssertionError("a Luhn key always exists")
