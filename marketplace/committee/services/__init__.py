"""The ethics committee's work: queue, reviews, recusals, questions, decisions,
the structures it oversees, the grid and the charter, and the daily lifecycle job.

Services never touch the request: they take users and plain values, raise
CommitteeError (a WorkflowError, with a French message) and flush; the caller
commits. Callers import them from here.
"""
from __future__ import annotations

from marketplace.committee.services.administration import (
    CharterRow,
    CriterionData,
    CriterionRow,
    charter_overdue_vendors,
    charter_versions,
    create_criterion,
    criteria_rows,
    criterion_history,
    criterion_row,
    delete_criterion,
    publish_charter,
    update_criterion,
)
from marketplace.committee.services.common import CommitteeError, NotAllowed, quorum
from marketplace.committee.services.decisions import decide
from marketplace.committee.services.dossier import (
    ACTION_LABELS,
    SECTION_LABELS,
    AnswerRow,
    Dossier,
    HistoryItem,
    Tally,
    dossier,
    history,
    previous_approved,
    tally,
    thread,
    visible_application,
    visible_reviews,
)
from marketplace.committee.services.lifecycle import REMINDER_DAYS, TickReport, run_daily
from marketplace.committee.services.queue import (
    QUEUE_SORTS,
    QUEUE_TAB_LABELS,
    QUEUE_TABS,
    Queue,
    QueueRow,
    queue,
)
from marketplace.committee.services.reviews import (
    SCORE_MAX,
    SCORE_MIN,
    ask_question,
    recuse,
    submit_review,
)
from marketplace.committee.services.structures import (
    STRUCTURE_FILTER_LABELS,
    STRUCTURE_FILTERS,
    Structures,
    latest_application_of,
    reinstate_vendor,
    structures,
    suspend_vendor,
    vendor_for_committee,
)
from marketplace.vendors.services import active_criteria, committee_members, current_charter

__all__ = [
    "ACTION_LABELS",
    "QUEUE_SORTS",
    "QUEUE_TABS",
    "QUEUE_TAB_LABELS",
    "REMINDER_DAYS",
    "SCORE_MAX",
    "SCORE_MIN",
    "SECTION_LABELS",
    "STRUCTURE_FILTERS",
    "STRUCTURE_FILTER_LABELS",
    "AnswerRow",
    "CharterRow",
    "CommitteeError",
    "CriterionData",
    "CriterionRow",
    "Dossier",
    "HistoryItem",
    "NotAllowed",
    "Queue",
    "QueueRow",
    "Structures",
    "Tally",
    "TickReport",
    "active_criteria",
    "ask_question",
    "charter_overdue_vendors",
    "charter_versions",
    "committee_members",
    "create_criterion",
    "criteria_rows",
    "criterion_history",
    "criterion_row",
    "current_charter",
    "decide",
    "delete_criterion",
    "dossier",
    "history",
    "latest_application_of",
    "previous_approved",
    "publish_charter",
    "queue",
    "quorum",
    "recuse",
    "reinstate_vendor",
    "run_daily",
    "structures",
    "submit_review",
    "suspend_vendor",
    "tally",
    "thread",
    "update_criterion",
    "vendor_for_committee",
    "visible_application",
    "visible_reviews",
]
