"""Vetting demo data: the dossiers behind the approved structures, and candidate
structures with a dossier in every state of the vetting workflow.

Approved structures get the historical record of their approval (answers to the
grid, documents, reviews, the chair's decision, audit events at their real
dates), written with the models because the committee that examined them is
not the one sitting today. Candidate structures (``data/candidates.toml``) are
taken through the same service functions as the web pages, with the clock set
to the moment of each step, so that their audit events, thread messages and
e-mails are real and dated.

Rows are keyed by the structure's slug (or SIRET): a structure that already
exists is left untouched, so a second run creates and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.accounts.models import User
from marketplace.committee import permissions as committee_perms
from marketplace.committee import services as committee
from marketplace.committee.models import (
    Criterion,
    Decision,
    DecisionOutcome,
    DossierMessage,
    Opinion,
    Review,
    ReviewScore,
)
from marketplace.core import clock
from marketplace.core.audit import record_event
from marketplace.extensions import db
from marketplace.vendors import documents, services, workflow
from marketplace.vendors.models import (
    Application,
    ApplicationAnswer,
    ApplicationKind,
    ApplicationStatus,
    CharterSignature,
    CharterVersion,
    LegalForm,
    MemberRole,
    Sector,
    Vendor,
    VendorMembership,
    VendorStatus,
)
from seeds import vetting_texts as texts
from seeds.base import DATA_DIR, SeedContext, fictional_phone
from seeds.vendors import vendor_siret, vendor_specs, vendor_values
from seeds.vetting_documents import dossier_documents

DAY = dt.timedelta(days=1)
MINUTES = (0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55)


@lru_cache(maxsize=1)
def candidate_specs() -> tuple[dict[str, Any], ...]:
    with (DATA_DIR / "candidates.toml").open("rb") as fh:
        specs = tomllib.load(fh)["candidates"]
    return tuple({**spec, "slug": services.slugify(spec["name"])} for spec in specs)


# ---------------------------------------------------------------- helpers


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Run the enclosed code as if it were ``moment``, then give the clock back as it was."""
    frozen = clock._frozen  # read only, to restore a frozen clock (tests) or the real one
    clock.freeze(moment)
    try:
        yield
    finally:
        if frozen is None:
            clock.unfreeze()
        else:
            clock.freeze(frozen)


@contextmanager
def counting(ctx: SeedContext) -> Iterator[None]:
    """Count in ``ctx.created`` every row the enclosed code adds, services included."""
    session = ctx.session()

    def _count(sess, _flush_context, _instances) -> None:
        for row in sess.new:
            ctx.created[type(row).__name__] += 1

    sa.event.listen(session, "before_flush", _count)
    try:
        yield
        session.flush()
    finally:
        sa.event.remove(session, "before_flush", _count)


@dataclass(frozen=True)
class Board:
    """The committee sitting today: its chair and the other members."""

    chair: User
    members: tuple[User, ...]

    def member(self, email: str) -> User:
        for user in (self.chair, *self.members):
            if user.email == email:
                return user
        raise ValueError(f"candidates.toml: {email} has no current committee mandate")


def _board() -> Board | None:
    mandates = services.current_mandates()
    chair = next((m.user for m in mandates if m.is_chair), None)
    members = tuple(m.user for m in mandates if not m.is_chair)
    if chair is None or len(members) < committee.quorum():
        return None
    return Board(chair, members)


def _owner(vendor: Vendor) -> User | None:
    owners = [m.user for m in vendor.memberships if m.role == MemberRole.OWNER]
    return owners[0] if owners else None


def _is_member_of(user: User, vendor: Vendor) -> bool:
    return any(m.user_id == user.id for m in vendor.memberships)


def _partner(slug: str, postal_code: str, rng) -> str | None:
    """An approved demo structure of the same département, cited as a partner."""
    names = sorted(
        s["name"]
        for s in vendor_specs()
        if s["slug"] != slug and s["postal_code"][:2] == postal_code[:2]
    )
    return rng.choice(names) if names else None


def _esus_agrement(spec: dict[str, Any]) -> bool:
    form = LegalForm(spec["legal_form"])
    return spec.get("esus_agrement", form is LegalForm.ESUS or form.is_siae or form.is_disability)


def _scores(
    opinion: Opinion, criteria: list[Criterion], rng, given: list[int] | None = None
) -> list[int]:
    if given and len(given) == len(criteria):
        return list(given)
    weights = {
        Opinion.FAVORABLE: ((3, 2, 1), (5, 4, 1)),
        Opinion.RESERVED: ((3, 2, 1), (1, 4, 3)),
        Opinion.UNFAVORABLE: ((2, 1, 0), (1, 4, 3)),
    }[opinion]
    return [rng.choices(*weights)[0] for _ in criteria]


def _weakest(criteria: list[Criterion], scores: list[int]) -> Criterion:
    return min(zip(criteria, scores, strict=True), key=lambda pair: (pair[1], -pair[0].weight))[0]


def _add_documents(application: Application, owner: User) -> None:
    """The owner uploads the dossier's documents through the dossier's own storage function."""
    for kind, filename, data in dossier_documents(application.vendor):
        upload = FileStorage(
            stream=io.BytesIO(data), filename=filename, content_type="application/pdf"
        )
        documents.add_document(application, owner, kind, upload)


# ---------------------------------------------------------------- approved structures


def seed_approved_dossiers(ctx: SeedContext) -> None:
    """The dossier behind each approved demo structure, so that profiles show commitments."""
    board = _board()
    criteria = services.active_criteria()
    if board is None or not criteria:
        return
    with counting(ctx):
        for spec in vendor_specs():
            vendor = ctx.session.scalar(sa.select(Vendor).filter_by(slug=spec["slug"]))
            if vendor is None or vendor.approved_at is None or _has_initial_application(vendor):
                continue
            owner = _owner(vendor)
            if owner is not None:
                rng = ctx.rng("partner", vendor.slug)
                historical_dossier(
                    ctx,
                    vendor,
                    owner,
                    board,
                    criteria,
                    texts.Facts.of(
                        vendor,
                        [Sector(s) for s in spec["sectors"]],
                        _partner(vendor.slug, vendor.postal_code, rng),
                        vendor.approved_at.year,
                    ),
                )


def _has_initial_application(vendor: Vendor) -> bool:
    stmt = sa.select(Application.id).where(
        Application.vendor_id == vendor.id, Application.kind == ApplicationKind.INITIAL
    )
    return db.session.scalar(stmt.limit(1)) is not None


def historical_dossier(
    ctx: SeedContext,
    vendor: Vendor,
    owner: User,
    board: Board,
    criteria: list[Criterion],
    facts: texts.Facts,
) -> Application:
    """The APPROVED initial application of a structure approved at ``vendor.approved_at``:
    answers, documents, reviews (a recusal where a member belongs to the structure), maybe
    a question and its answer, the chair's decision, and the audit trail at its dates."""
    session = ctx.session
    rng = ctx.rng("dossier", vendor.slug)
    opened, decided = vendor.created_at, vendor.approved_at
    submitted = opened + dt.timedelta(days=rng.randint(2, 5), hours=rng.randint(1, 6))

    application = Application(
        vendor_id=vendor.id,
        kind=ApplicationKind.INITIAL,
        status=ApplicationStatus.DRAFT,
        created_by_id=owner.id,
        created_at=opened,
        updated_at=opened,
    )
    session.add(application)
    for criterion in criteria:
        text = texts.answer(criterion.code, criterion.label, facts, rng)
        application.answers.append(ApplicationAnswer(criterion_id=criterion.id, text=text))
    session.flush()
    with clock_at(opened):
        record_event(owner, vendor, "create", None, VendorStatus.CANDIDATE, {"name": vendor.name})
        record_event(owner, application, "create", None, ApplicationStatus.DRAFT)
    signature = session.scalar(sa.select(CharterSignature).filter_by(vendor_id=vendor.id).limit(1))
    if signature is not None:
        with clock_at(signature.signed_at):
            record_event(
                owner,
                vendor,
                "sign_charter",
                None,
                None,
                {"version": signature.charter_version.version, "application_id": application.id},
            )
    with clock_at(opened + dt.timedelta(hours=20)):
        _add_documents(application, owner)

    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = submitted
    with clock_at(submitted):
        record_event(
            owner,
            application,
            "submit",
            ApplicationStatus.DRAFT,
            ApplicationStatus.SUBMITTED,
            {"kind": "initial"},
        )

    # Who examined the dossier, and when.
    recusing = [m for m in board.members if _is_member_of(m, vendor)]
    eligible = [m for m in board.members if m not in recusing]
    reviewers = rng.sample(eligible, min(len(eligible), rng.choice((3, 3, 4, 4, 5))))
    thread = rng.random() < 0.3
    steps = len(reviewers) + (2 if thread else 0)
    span = (decided - submitted).days - 1
    offsets = sorted(rng.sample(range(1, span), steps))
    moments = [
        (submitted + offset * DAY).replace(hour=rng.randint(7, 16), minute=rng.choice(MINUTES))
        for offset in offsets
    ]
    for member in recusing:
        moment = (submitted + DAY).replace(hour=8, minute=rng.choice(MINUTES))
        session.add(
            Review(
                application_id=application.id,
                reviewer_id=member.id,
                recused=True,
                recusal_reason=texts.RECUSAL_REASON,
                submitted_at=moment,
            )
        )
        with clock_at(moment):
            record_event(
                member, application, "committee.recusal", data={"reason": texts.RECUSAL_REASON}
            )

    opinions = [Opinion.RESERVED if rng.random() < 0.15 else Opinion.FAVORABLE for _ in reviewers]
    if opinions.count(Opinion.RESERVED) * 2 >= len(opinions):
        opinions = [Opinion.FAVORABLE] * (len(opinions) - 1) + [Opinion.RESERVED]
    all_scores = [_scores(opinion, criteria, rng) for opinion in opinions]

    order = list(range(len(reviewers)))
    events: list[tuple[str, int]] = [("review", i) for i in order]
    if thread:
        # The second reviewer asks a question first, and reviews once answered.
        events = [
            ("review", 0),
            ("question", 1),
            ("answer", 1),
            *[("review", i) for i in order[1:]],
        ]
    for (kind, index), moment in zip(events, moments, strict=True):
        member = reviewers[index]
        if kind == "review":
            if index == 0:
                application.status = ApplicationStatus.IN_REVIEW
                with clock_at(moment):
                    record_event(
                        member,
                        application,
                        "start_review",
                        ApplicationStatus.SUBMITTED,
                        ApplicationStatus.IN_REVIEW,
                    )
            _historical_review(
                ctx, application, member, criteria, opinions[index], all_scores[index], moment, rng
            )
        elif kind == "question":
            code, question, answer_writer = rng.choice(texts.QUESTIONS)
            pending_answer = answer_writer(facts, rng)
            session.add(
                DossierMessage(
                    application_id=application.id,
                    author_id=member.id,
                    from_committee=True,
                    body=question,
                    created_at=moment,
                )
            )
            application.status = ApplicationStatus.INFO_REQUESTED
            with clock_at(moment):
                record_event(
                    member,
                    application,
                    "request_info",
                    ApplicationStatus.IN_REVIEW,
                    ApplicationStatus.INFO_REQUESTED,
                )
        else:
            session.add(
                DossierMessage(
                    application_id=application.id,
                    author_id=owner.id,
                    from_committee=False,
                    body=pending_answer,
                    created_at=moment,
                )
            )
            application.status = ApplicationStatus.IN_REVIEW
            with clock_at(moment):
                record_event(
                    owner,
                    application,
                    "resubmit",
                    ApplicationStatus.INFO_REQUESTED,
                    ApplicationStatus.IN_REVIEW,
                )
    session.flush()

    # The chair's decision.
    tally = committee.tally(application)
    averages = {
        c.id: sum(scores[i] for scores in all_scores) / len(all_scores)
        for i, c in enumerate(criteria)
    }
    ranked = sorted(criteria, key=lambda c: (-averages[c.id], -c.weight, c.position))
    weak = min(criteria, key=lambda c: (averages[c.id], -c.weight, c.position))
    motivation = texts.approval_motivation(
        tally.favorable, tally.reserved, [c.label for c in ranked[:2]], weak.code, weak.label
    )
    session.add(
        Decision(
            application_id=application.id,
            chair_id=board.chair.id,
            outcome=DecisionOutcome.APPROVED,
            motivation=motivation,
            favorable_count=tally.favorable,
            reserved_count=tally.reserved,
            unfavorable_count=tally.unfavorable,
            weighted_score=tally.weighted_score_x100,
            decided_at=decided,
        )
    )
    with clock_at(decided):
        record_event(
            board.chair,
            application,
            "committee.decision",
            data={
                "outcome": DecisionOutcome.APPROVED.value,
                "favorable": tally.favorable,
                "reserved": tally.reserved,
                "unfavorable": tally.unfavorable,
                "weighted_score": tally.weighted_score_x100,
                "against_majority": False,
            },
        )
        record_event(
            board.chair,
            application,
            "approve",
            ApplicationStatus.IN_REVIEW,
            ApplicationStatus.APPROVED,
        )
        record_event(
            board.chair,
            vendor,
            "approve",
            VendorStatus.CANDIDATE,
            VendorStatus.APPROVED,
            {"application_id": application.id},
        )
    application.status = ApplicationStatus.APPROVED
    application.decided_at = decided
    application.updated_at = decided
    session.flush()
    return application


def _historical_review(ctx, application, member, criteria, opinion, scores, moment, rng) -> None:
    weak = _weakest(criteria, scores)
    if opinion == Opinion.FAVORABLE:
        comment = texts.favorable_comment(weak.label, rng)
    else:
        comment = texts.reserved_comment(weak.code, weak.label)
    review = Review(
        application_id=application.id,
        reviewer_id=member.id,
        recused=False,
        opinion=opinion,
        comment=comment,
        submitted_at=moment,
    )
    for criterion, score in zip(criteria, scores, strict=True):
        review.scores.append(
            ReviewScore(
                criterion_id=criterion.id,
                score=score,
                weight=criterion.weight,
                comment=texts.score_note(criterion.code) if score <= 1 else None,
            )
        )
    ctx.session.add(review)
    with clock_at(moment):
        record_event(member, application, "committee.review")


# ---------------------------------------------------------------- candidate structures


def seed_candidates(ctx: SeedContext) -> None:
    """Candidate structures whose dossiers show every state of the vetting workflow."""
    board = _board()
    criteria = services.active_criteria()
    if board is None or not criteria or services.current_charter() is None:
        return
    owners = {}
    for spec in candidate_specs():
        first = spec.get("applied_days_ago") or spec["timeline"][0]["days_ago"]
        owners[spec["slug"]] = ctx.user(
            f"contact@{spec['slug']}.example", spec["owner"], created_days_ago=first + 3
        )
    with counting(ctx):
        for spec in candidate_specs():
            if _existing_candidate(spec) is None:
                _play(ctx, spec, owners[spec["slug"]], board, criteria)
    for spec in candidate_specs():
        ctx.login(spec["login"], owners[spec["slug"]].email, spec["hint"])


def _existing_candidate(spec: dict[str, Any]) -> Vendor | None:
    slug = spec["slug"]
    return db.session.scalar(
        sa.select(Vendor)
        .where(sa.or_(Vendor.slug == slug, Vendor.siret == vendor_siret(slug)))
        .limit(1)
    )


def _play(
    ctx: SeedContext, spec: dict[str, Any], owner: User, board: Board, criteria: list[Criterion]
) -> None:
    """Replay the candidate's timeline through the service functions."""
    slug = spec["slug"]
    rng = ctx.rng("candidate", slug)
    application: Application | None = None
    if "approved_days_ago" in spec:
        application = _approved_in_the_past(ctx, spec, owner, board, criteria)
    for step in spec["timeline"]:
        action = step["action"]
        moment = ctx.days_ago(
            step["days_ago"],
            hour=step.get("hour", 5 if action == "expire" else rng.randint(7, 16)),
            minute=0 if action == "expire" else rng.choice(MINUTES),
        )
        text = step.get("text", "")
        member = board.member(step["member"]) if "member" in step else None
        if action == "prepare":
            application = _prepare(ctx, spec, owner, moment, step, criteria, rng)
            continue
        if application is None:
            raise ValueError(f"candidates.toml: {slug} starts with {action!r}, not 'prepare'")
        with clock_at(moment):
            if action == "submit":
                services.submit(application, owner)
            elif action == "recuse":
                committee.recuse(application, member, text)
            elif action == "review":
                opinion = Opinion(step["opinion"])
                scores = _scores(opinion, criteria, rng, step.get("scores"))
                committee.submit_review(
                    application,
                    member,
                    {
                        c.id: (score, texts.score_note(c.code) if score <= 1 else None)
                        for c, score in zip(criteria, scores, strict=True)
                    },
                    opinion,
                    text,
                )
            elif action == "question":
                committee.ask_question(application, member, text)
            elif action == "answer":
                services.resubmit(application, owner, text)
            elif action == "decide":
                committee.decide(application, board.chair, step["outcome"], text)
            elif action == "withdraw":
                services.withdraw(application, owner)
            elif action == "suspend":
                committee.suspend_vendor(application.vendor, board.chair, text)
            elif action == "expire":
                workflow.expire(application.vendor, None)
            else:
                raise ValueError(f"candidates.toml: unknown action {action!r} for {slug}")


def _prepare(
    ctx: SeedContext,
    spec: dict[str, Any],
    owner: User,
    start: dt.datetime,
    step: dict[str, Any],
    criteria: list[Criterion],
    rng,
) -> Application:
    """The owner creates the structure and fills its dossier over two days."""
    slug = spec["slug"]
    identity = services.IdentityData(
        name=spec["name"],
        legal_name=spec["legal_name"],
        siret=vendor_siret(slug),
        legal_form=LegalForm(spec["legal_form"]),
        esus_agrement=_esus_agrement(spec),
        year_founded=spec["year_founded"],
        staff_count=spec["staff_count"],
        insertion_jobs=spec["insertion_jobs"],
    )
    with clock_at(start):
        application = services.create_structure(owner, identity)
    vendor = application.vendor
    with clock_at(start + dt.timedelta(minutes=25)):
        services.save_territory(
            application,
            owner,
            services.TerritoryData(
                address=spec["address"], postal_code=spec["postal_code"], commune=spec["commune"]
            ),
        )
    with clock_at(start + dt.timedelta(minutes=50)):
        services.save_activity(
            application,
            owner,
            services.ActivityData(
                sectors=[Sector(s) for s in spec["sectors"]],
                description=" ".join(spec["description"].split()),
                website=f"https://www.{slug}.example",
                email=f"contact@{slug}.example",
                phone=fictional_phone(rng),
            ),
        )
    answered = set(step.get("answered", [c.code for c in criteria]))
    sectors = [Sector(s) for s in spec["sectors"]]
    facts = texts.Facts.of(vendor, sectors, _partner(slug, spec["postal_code"], rng), start.year)
    overrides = spec.get("answers", {})
    answers = {
        c.id: overrides.get(c.code) or texts.answer(c.code, c.label, facts, rng)
        for c in criteria
        if c.code in answered
    }
    with clock_at(start + DAY):
        services.save_answers(application, owner, answers)
    if step.get("documents", True):
        with clock_at(start + 2 * DAY):
            _add_documents(application, owner)
    if step.get("charter", True):
        with clock_at(start + 2 * DAY + dt.timedelta(minutes=15)):
            services.sign_charter(vendor, owner)
    return application


def _approved_in_the_past(
    ctx: SeedContext, spec: dict[str, Any], owner: User, board: Board, criteria: list[Criterion]
) -> Application:
    """A structure approved before today's committee sat, recorded like those of vendors.toml."""
    slug = spec["slug"]
    rng = ctx.rng("candidate", slug, "approved")
    applied_at = ctx.days_ago(
        spec["applied_days_ago"], hour=rng.randint(8, 17), minute=rng.choice(MINUTES)
    )
    approved_at = ctx.days_ago(
        spec["approved_days_ago"], hour=rng.randint(9, 17), minute=rng.choice(MINUTES)
    )
    validity = dt.timedelta(days=int(ctx.config["APPROVAL_VALIDITY_DAYS"]))
    vendor = Vendor(
        slug=slug, **vendor_values(spec, approved_at, validity, applied_at, fictional_phone(rng))
    )
    vendor.set_sectors([Sector(s) for s in spec["sectors"]])
    vendor.memberships.append(
        VendorMembership(user=owner, role=MemberRole.OWNER, created_at=applied_at)
    )
    ctx.session.add(vendor)
    ctx.session.flush()
    charter = ctx.session.scalar(
        sa.select(CharterVersion)
        .where(CharterVersion.published_at <= applied_at)
        .order_by(CharterVersion.version.desc())
        .limit(1)
    )
    if charter is not None:
        ctx.session.add(
            CharterSignature(
                vendor_id=vendor.id,
                charter_version_id=charter.id,
                signed_by_id=owner.id,
                signed_at=applied_at,
            )
        )
        ctx.session.flush()
    facts = texts.Facts.of(
        vendor,
        [Sector(s) for s in spec["sectors"]],
        _partner(slug, spec["postal_code"], rng),
        approved_at.year,
    )
    return historical_dossier(ctx, vendor, owner, board, criteria, facts)


# ---------------------------------------------------------------- what each login shows


def report_lines() -> list[str]:
    """Which demo login shows which state of the vetting workflow (read from the database)."""
    board = _board()
    if board is None:
        return []
    session = db.session
    open_apps = list(
        session.scalars(
            sa.select(Application)
            .where(Application.status.in_(committee_perms.OPEN_STATUSES))
            .order_by(Application.submitted_at, Application.id)
        )
    )
    reviews: dict[int, list[Review]] = {a.id: [] for a in open_apps}
    if open_apps:
        for review in session.scalars(
            sa.select(Review).where(Review.application_id.in_(list(reviews)))
        ):
            reviews[review.application_id].append(review)
    quorum = committee.quorum()
    awaiting = [
        a
        for a in open_apps
        if a.status == ApplicationStatus.IN_REVIEW
        and sum(1 for r in reviews[a.id] if not r.recused) >= quorum
    ]
    suspended = list(
        session.scalars(
            sa.select(Vendor).where(Vendor.status == VendorStatus.SUSPENDED).order_by(Vendor.name)
        )
    )

    def names(rows) -> str:
        return ", ".join(getattr(row, "name", None) or row.vendor.name for row in rows)

    lines = ["", "Vetting demo, what each login shows:"]
    chair_parts = [
        f"{len(awaiting)} dossier(s) with the quorum, awaiting the decision ({names(awaiting)})"
    ]
    if suspended:
        chair_parts.append(
            f"{len(suspended)} suspended structure(s) to reinstate ({names(suspended)})"
        )
    lines.append(f"  - {board.chair.email} (chair): " + "; ".join(chair_parts))
    for member in board.members:
        todo = [
            a
            for a in open_apps
            if a.status in committee_perms.REVIEWABLE_STATUSES
            and not any(r.reviewer_id == member.id for r in reviews[a.id])
        ]
        recused = [
            a
            for a in open_apps
            if any(r.reviewer_id == member.id and r.recused for r in reviews[a.id])
        ]
        parts = [
            f"{len(todo)} dossier(s) to review ({names(todo)})" if todo else "nothing to review"
        ]
        if recused:
            parts.append(f"recused on {names(recused)}")
        lines.append(f"  - {member.email} (member): " + "; ".join(parts))
    for spec in candidate_specs():
        vendor = _existing_candidate(spec)
        if vendor is None:
            continue
        state = _state(vendor, services.latest_application(vendor), reviews, quorum)
        lines.append(f"  - contact@{spec['slug']}.example: {vendor.name}, {state}")
    return lines


def _state(
    vendor: Vendor, application: Application | None, reviews: dict[int, list[Review]], quorum: int
) -> str:
    if vendor.status == VendorStatus.SUSPENDED:
        return "structure suspended"
    if vendor.status == VendorStatus.EXPIRED:
        return "approval expired, renewal possible"
    if application is None:
        return vendor.status.value
    status = application.status.value.replace("_", " ")
    if application.status == ApplicationStatus.IN_REVIEW:
        given = sum(1 for r in reviews.get(application.id, []) if not r.recused)
        return f"dossier {status}, {given}/{quorum} reviews"
    if application.status == ApplicationStatus.REJECTED:
        until = workflow.reapply_date(vendor)
        return f"dossier {status}" + (
            f", may reapply from {until.date().isoformat()}" if until else ""
        )
    return f"dossier {status}"
