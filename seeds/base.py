"""What every seed step shares: the clock, keyed get-or-create, demo logins.

Rows are keyed by a natural key (e-mail, SIRET, slug, code…). A row that
exists is left exactly as it is, so a second run creates and changes nothing.
Random choices come from generators seeded with a fixed key, so two runs on
empty databases give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from marketplace.accounts.auth import hash_password
from marketplace.accounts.models import User
from marketplace.extensions import db

DATA_DIR = Path(__file__).parent / "data"
RANDOM_SEED = "marche-solidaire-demo-1"

T = TypeVar("T")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    what_to_try: str


@dataclass
class SeedContext:
    config: Mapping[str, Any]
    now: dt.datetime
    created: Counter[str] = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)
    _password_hash: str | None = None

    @property
    def session(self):
        return db.session

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def rng(self, *key: object) -> random.Random:
        """A generator seeded by ``key``: the same draws on every run."""
        return random.Random(":".join([RANDOM_SEED, *map(str, key)]))  # nosec B311 (seeded draws for reproducible demo data, not security)

    def days_ago(self, days: int, hour: int = 9, minute: int = 0) -> dt.datetime:
        return self.now.replace(hour=hour, minute=minute, second=0, microsecond=0) - dt.timedelta(
            days=days
        )

    @property
    def password_hash(self) -> str:
        """The hash of DEMO_PASSWORD, computed once per run and only if needed."""
        if self._password_hash is None:
            self._password_hash = hash_password(self.config["DEMO_PASSWORD"])
        return self._password_hash

    def get_or_create(
        self,
        model: type[T],
        key: Mapping[str, Any],
        defaults: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    ) -> tuple[T, bool]:
        """The row of ``model`` matching ``key``, created with ``defaults`` if missing."""
        row = self.session.scalar(sa.select(model).filter_by(**key).limit(1))
        if row is not None:
            return row, False
        values = defaults() if callable(defaults) else dict(defaults or {})
        row = model(**key, **values)
        self.session.add(row)
        self.session.flush()
        self.created[model.__name__] += 1
        return row, True

    def user(
        self,
        email: str,
        display_name: str,
        *,
        created_days_ago: int = 400,
        **values: Any,
    ) -> User:
        """A verified demo account signing in with DEMO_PASSWORD."""
        created_at = self.days_ago(created_days_ago, hour=8)

        def defaults() -> dict[str, Any]:
            return {
                "display_name": display_name,
                "password_hash": self.password_hash,
                "locale": "fr",
                "verified_at": created_at + dt.timedelta(minutes=12),
                "created_at": created_at,
                "updated_at": created_at,
                **values,
            }

        user, _ = self.get_or_create(User, {"email": email.lower()}, defaults)
        return user

    def login(self, role: str, email: str, what_to_try: str) -> None:
        """Register a login printed at the end of the command (and listed in the README)."""
        self.logins.append(DemoLogin(role, email.lower(), what_to_try))


def slugify(text: str, separator: str = "-") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", separator, ascii_text.lower()).strip(separator)


def email_for(name: str, domain: str) -> str:
    """``"Inès Carvalho", "x.example"`` → ``"ines.carvalho@x.example"``."""
    return f"{slugify(name, '.')}@{domain}"


def fictional_phone(rng: random.Random) -> str:
    """A number of the 04 65 71 block that ARCEP reserves for fiction."""
    return f"04 65 71 {rng.randrange(100):02d} {rng.randrange(100):02d}"
