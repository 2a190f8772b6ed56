"""The vetting state machine: every status × every transition, and the rules around it."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.committee.models import DossierMessage
from marketplace.core.audit import AuditEvent, events_for
from marketplace.core.clock import advance, freeze, now_utc
from marketplace.vendors import workflow
from marketplace.vendors.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    VendorStatus,
)
from marketplace.vendors.workflow import IncompleteApplication, WorkflowError
from tests.factories import CharterVersionFactory, UserFactory

S = ApplicationStatus
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

# transition → (statuses it may leave, status it reaches, call)
APPLICATION_TRANSITIONS = {
    "submit": ({S.DRAFT}, S.SUBMITTED, lambda app, owner, chair: workflow.submit(app, owner)),
    "start_review": ({S.SUBMITTED}, S.IN_REVIEW, lambda app, owner, chair: workflow.start_review(app, chair)),
    "request_info": (
        {S.SUBMITTED, S.IN_REVIEW},
        S.INFO_REQUESTED,
        lambda app, owner, chair: workflow.request_info(app, chair, "Pouvez-vous préciser la gouvernance ?"),
    ),
    "resubmit": ({S.INFO_REQUESTED}, S.IN_REVIEW, lambda app, owner, chair: workflow.resubmit(app, owner, "Voici nos précisions.")),
    "approve": ({S.IN_REVIEW}, S.APPROVED, lambda app, owner, chair: workflow.approve(app, chair, "Dossier exemplaire.")),
    "reject": ({S.IN_REVIEW}, S.REJECTED, lambda app, owner, chair: workflow.reject(app, chair, "Gouvernance insuffisante.")),
    "withdraw": (
        {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED},
        S.WITHDRAWN,
        lambda app, owner, chair: workflow.withdraw(app, owner),
    ),
}

CASES = [(name, status) for name in APPLICATION_TRANSITIONS for status in ApplicationStatus]


def _events(db, application):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.subject_type == "application", AuditEvent.subject_id == application.id
        )
    )


@pytest.mark.parametrize("name,status", CASES, ids=[f"{n}-from-{s.value}" for n, s in CASES])
def test_application_transition_table(db, make_dossier, committee, name, status):
    allowed, target, call = APPLICATION_TRANSITIONS[name]
    application, owner = make_dossier(status=status)
    before_events = _events(db, application)
    if status in allowed:
        call(application, owner, committee[0])
        assert application.status == target
        last = events_for(application)[-1]
        assert (last.action, last.before, last.after) == (name, status.value, target.value)
    else:
        with pytest.raises(WorkflowError) as info:
            call(application, owner, committee[0])
        assert application.status == status
        assert _events(db, application) == before_events
        assert str(info.value)  # a message for the user


VENDOR_TRANSITIONS = {
    "suspend": ({VendorStatus.APPROVED}, VendorStatus.SUSPENDED, lambda v, actor: workflow.suspend(v, actor, "Plainte fondée.")),
    "reinstate": ({VendorStatus.SUSPENDED}, VendorStatus.APPROVED, lambda v, actor: workflow.reinstate(v, actor, "Corrigé.")),
}
VENDOR_CASES = [(name, status) for name in VENDOR_TRANSITIONS for status in VendorStatus]


@pytest.mark.parametrize("name,status", VENDOR_CASES, ids=[f"{n}-from-{s.value}" for n, s in VENDOR_CASES])
def test_vendor_transition_table(db, make_dossier, committee, name, status):
    allowed, target, call = VENDOR_TRANSITIONS[name]
    application, _owner = make_dossier(vendor_status=status)
    vendor = application.vendor
    vendor.approval_expires_at = now_utc() + dt.timedelta(days=100)
    if status in allowed:
        call(vendor, committee[0])
        assert vendor.status == target
        last = events_for(vendor)[-1]
        assert (last.action, last.before, last.after) == (name, status.value, target.value)
    else:
        with pytest.raises(WorkflowError):
            call(vendor, committee[0])
        assert vendor.status == status


@pytest.mark.parametrize("status", list(VendorStatus), ids=lambda s: s.value)
def test_expire_only_an_approved_vendor_past_its_date(db, make_dossier, status):
    freeze(T0)
    application, _owner = make_dossier(vendor_status=status)
    vendor = application.vendor
    vendor.approval_expires_at = T0 - dt.timedelta(seconds=1)
    if status == VendorStatus.APPROVED:
        workflow.expire(vendor)
        assert vendor.status == VendorStatus.EXPIRED
        assert events_for(vendor)[-1].actor_label == "système"
    else:
        with pytest.raises(WorkflowError):
            workflow.expire(vendor)
        assert vendor.status == status


def test_expire_refuses_before_the_date(db, make_dossier):
    freeze(T0)
    application, _owner = make_dossier(vendor_status=VendorStatus.APPROVED)
    application.vendor.approval_expires_at = T0 + dt.timedelta(hours=1)
    with pytest.raises(WorkflowError):
        workflow.expire(application.vendor)
    advance(dt.timedelta(hours=1))
    workflow.expire(application.vendor)
    assert application.vendor.status == VendorStatus.EXPIRED


def test_submit_incomplete_lists_each_missing_piece(db, make_dossier, criteria):
    application, owner = make_dossier(complete=False, siret=None, postal_code=None, description=None)
    with pytest.raises(IncompleteApplication) as info:
        workflow.submit(application, owner)
    missing = info.value.missing
    assert application.status == S.DRAFT
    text = "\n".join(missing)
    assert "SIRET" in text
    assert "code postal" in text
    assert "présentation de l'activité" in text
    assert "au moins un secteur" in text
    for criterion in criteria:
        assert criterion.label in text
    assert "Critère retiré" not in text  # inactive criteria are not asked
    assert "statuts" in text and "immatriculation" in text
    assert "charte" in text.lower()
    assert missing == workflow.missing_items(application)


def test_missing_items_empty_for_complete_dossier(db, make_dossier):
    application, _owner = make_dossier()
    assert workflow.missing_items(application) == []


def test_missing_items_flags_an_address_outside_the_territory(db, make_dossier):
    application, _owner = make_dossier(postal_code="75011", departement_code="75")
    assert any("Paris (75)" in item for item in workflow.missing_items(application))


def test_missing_items_asks_to_sign_a_newer_charter(db, make_dossier):
    application, _owner = make_dossier()
    CharterVersionFactory(version=2)
    assert workflow.missing_items(application) == ["Charte : acceptez la charte en vigueur (version 2)."]


def test_submit_notifies_committee_and_applicant(db, make_dossier, committee, outbox):
    freeze(T0)
    application, owner = make_dossier()
    workflow.submit(application, owner)
    assert application.submitted_at == T0
    recipients = [m.to_address for m in outbox()]
    assert owner.email in recipients
    for member in committee:
        assert member.email in recipients
    committee_mail = outbox(to=committee[1].email)[0]
    assert application.vendor.name in committee_mail.subject
    assert f"/comite/dossiers/{application.id}" in committee_mail.body


def test_reapply_delay_after_rejection(db, make_dossier, committee, app):
    freeze(T0)
    application, owner = make_dossier(status=S.IN_REVIEW)
    workflow.reject(application, committee[0], "Projet hors du champ de l'ESS.")
    vendor = application.vendor
    assert vendor.status == VendorStatus.REJECTED
    assert application.decided_at == T0

    advance(dt.timedelta(days=30))
    second = Application(vendor=vendor, kind=ApplicationKind.INITIAL, status=S.DRAFT)
    db.session.add(second)
    db.session.flush()
    for answer in application.answers:
        second.answers.append(type(answer)(criterion_id=answer.criterion_id, text=answer.text))
    from marketplace.vendors import documents
    from tests.vendors.conftest import PDF_BYTES, upload

    documents.add_document(second, owner, DocumentKind.STATUTES, upload(PDF_BYTES, "statuts.pdf"))
    documents.add_document(second, owner, DocumentKind.REGISTRATION, upload(PDF_BYTES, "kbis.pdf"))
    with pytest.raises(WorkflowError) as info:
        workflow.submit(second, owner)
    assert "nouvelle candidature pourra être déposée à partir du" in str(info.value)
    assert second.status == S.DRAFT

    delay = app.config["REAPPLY_DELAY_DAYS"]
    freeze(T0 + dt.timedelta(days=delay) - dt.timedelta(minutes=1))
    with pytest.raises(WorkflowError):
        workflow.submit(second, owner)
    freeze(T0 + dt.timedelta(days=delay))
    workflow.submit(second, owner)
    assert second.status == S.SUBMITTED


def test_approve_sets_approval_dates_and_emails_the_motivation(db, make_dossier, committee, outbox, app):
    freeze(T0)
    application, owner = make_dossier(status=S.IN_REVIEW)
    workflow.approve(application, committee[0], "Une gouvernance exemplaire.")
    vendor = application.vendor
    assert vendor.status == VendorStatus.APPROVED
    assert vendor.approved_at == T0
    assert vendor.approval_expires_at == T0 + dt.timedelta(days=app.config["APPROVAL_VALIDITY_DAYS"])
    assert application.decided_at == T0
    mail = outbox(to=owner.email)[-1]
    assert "Une gouvernance exemplaire." in mail.body
    assert [e.action for e in events_for(vendor)][-1] == "approve"


def test_decision_requires_a_motivation(db, make_dossier, committee):
    application, _owner = make_dossier(status=S.IN_REVIEW)
    with pytest.raises(WorkflowError):
        workflow.approve(application, committee[0], "   ")
    with pytest.raises(WorkflowError):
        workflow.reject(application, committee[0], "")
    assert application.status == S.IN_REVIEW


def test_reject_emails_motivation_and_reapply_date(db, make_dossier, committee, outbox):
    freeze(T0)
    application, owner = make_dossier(status=S.IN_REVIEW)
    workflow.reject(application, committee[0], "Les prix pratiqués ne sont pas transparents.")
    body = outbox(to=owner.email)[-1].body
    assert "Les prix pratiqués ne sont pas transparents." in body
    assert "31 août 2026" in body  # T0 + 182 days


def test_rejected_renewal_expires_the_vendor(db, make_dossier, committee):
    application, _owner = make_dossier(
        status=S.IN_REVIEW, kind=ApplicationKind.RENEWAL, vendor_status=VendorStatus.APPROVED
    )
    workflow.reject(application, committee[0], "Engagements non tenus.")
    assert application.vendor.status == VendorStatus.EXPIRED


def test_early_renewal_extends_from_the_current_expiry(db, make_dossier, committee, app):
    freeze(T0)
    application, _owner = make_dossier(
        status=S.IN_REVIEW, kind=ApplicationKind.RENEWAL, vendor_status=VendorStatus.APPROVED
    )
    application.vendor.approval_expires_at = T0 + dt.timedelta(days=20)
    workflow.approve(application, committee[0], "Renouvelé.")
    days = app.config["APPROVAL_VALIDITY_DAYS"]
    assert application.vendor.approval_expires_at == T0 + dt.timedelta(days=20 + days)


def test_request_info_and_resubmit_write_the_thread(db, make_dossier, committee, outbox):
    application, owner = make_dossier(status=S.IN_REVIEW)
    workflow.request_info(application, committee[1], "Quelle part des excédents est réinvestie ?")
    assert "Quelle part des excédents est réinvestie ?" in outbox(to=owner.email)[-1].body
    workflow.resubmit(application, owner, "La totalité, depuis 2015.")
    messages = db.session.scalars(
        sa.select(DossierMessage).where(DossierMessage.application_id == application.id).order_by(DossierMessage.id)
    ).all()
    assert [(m.from_committee, m.body) for m in messages] == [
        (True, "Quelle part des excédents est réinvestie ?"),
        (False, "La totalité, depuis 2015."),
    ]
    assert "La totalité, depuis 2015." in outbox(to=committee[0].email)[-1].body


def test_request_info_needs_a_question_and_resubmit_an_answer(db, make_dossier, committee):
    application, owner = make_dossier(status=S.IN_REVIEW)
    with pytest.raises(WorkflowError):
        workflow.request_info(application, committee[0], "  ")
    workflow.request_info(application, committee[0], "Précisez.")
    with pytest.raises(WorkflowError):
        workflow.resubmit(application, owner, "")
    assert application.status == S.INFO_REQUESTED


def test_withdraw_only_by_a_member(db, make_dossier):
    application, _owner = make_dossier(status=S.SUBMITTED)
    with pytest.raises(WorkflowError):
        workflow.withdraw(application, UserFactory())
    assert application.status == S.SUBMITTED


def test_suspend_requires_a_reason(db, make_dossier, committee):
    application, _owner = make_dossier(vendor_status=VendorStatus.APPROVED)
    with pytest.raises(WorkflowError):
        workflow.suspend(application.vendor, committee[0], " ")
    assert application.vendor.status == VendorStatus.APPROVED


def test_reinstate_refused_once_approval_has_lapsed(db, make_dossier, committee):
    freeze(T0)
    application, _owner = make_dossier(vendor_status=VendorStatus.SUSPENDED)
    application.vendor.approval_expires_at = T0 - dt.timedelta(days=1)
    with pytest.raises(WorkflowError):
        workflow.reinstate(application.vendor, committee[0], None)


def test_start_renewal_copies_answers_and_documents(db, make_dossier, committee):
    application, owner = make_dossier(status=S.IN_REVIEW)
    workflow.approve(application, committee[0], "Agréée.")
    renewal = workflow.start_renewal(application.vendor, owner)
    assert (renewal.kind, renewal.status) == (ApplicationKind.RENEWAL, S.DRAFT)
    assert sorted((a.criterion_id, a.text) for a in renewal.answers) == sorted(
        (a.criterion_id, a.text) for a in application.answers
    )
    assert [d.sha256 for d in renewal.documents] == [d.sha256 for d in application.documents]
    assert {d.storage_name for d in renewal.documents}.isdisjoint({d.storage_name for d in application.documents})
    with pytest.raises(WorkflowError):
        workflow.start_renewal(application.vendor, owner)  # one open application at a time


@pytest.mark.parametrize("status", [VendorStatus.CANDIDATE, VendorStatus.REJECTED, VendorStatus.SUSPENDED])
def test_start_renewal_refused_for_a_vendor_never_or_not_currently_approved(db, make_dossier, status):
    application, owner = make_dossier(vendor_status=status, status=S.WITHDRAWN)
    with pytest.raises(WorkflowError):
        workflow.start_renewal(application.vendor, owner)


def test_blank_renewal_for_a_structure_approved_without_an_application(db):
    from tests.factories import VendorFactory, VendorMembershipFactory

    vendor = VendorFactory()  # approved, e.g. imported before the platform opened
    owner = VendorMembershipFactory(vendor=vendor).user
    renewal = workflow.start_renewal(vendor, owner)
    assert (renewal.kind, renewal.status, renewal.answers, renewal.documents) == (
        ApplicationKind.RENEWAL, S.DRAFT, [], []
    )
