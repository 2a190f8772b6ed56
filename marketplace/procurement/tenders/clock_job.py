"""The tenders' part of ``flask procurement tick``: what the clock decides."""
from __future__ import annotations

from dataclasses import dataclass, field

from marketplace.procurement.tenders.services import close_due_tenders


@dataclass
class TickReport:
    closed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.closed:
            return "tenders: nothing to close"
        return f"tenders: {len(self.closed)} closed ({', '.join(self.closed)})"


def run_tick(now=None) -> TickReport:
    """Close every published tender whose submission deadline has passed (idempotent)."""
    return TickReport(closed=[f"{t.reference}#{t.id}" for t in close_due_tenders(now)])
