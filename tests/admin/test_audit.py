from __future__ import annotations

import datetime as dt

from tests.factories import AuditEventFactory, UserFactory


def test_the_audit_log_lists_events_newest_first(db, as_admin, admin, frozen):
    AuditEventFactory(action="ancienne.action", at=frozen - dt.timedelta(days=1))
    AuditEventFactory(
        action="recente.action",
        actor_id=admin.id,
        actor_label=admin.audit_label,
        subject_type="buyer_organisation",
        subject_id=7,
        before="draft",
        after="published",
        data={"motif": "Dossier complet"},
        at=frozen,
    )
    db.session.commit()

    html = as_admin.get("/admin/journal").text

    assert html.index("<code>recente.action</code>") < html.index("<code>ancienne.action</code>")
    assert "admin@exemple.fr" in html
    assert 'href="/admin/organisations/7"' in html
    assert "draft → published" in html
    assert "Dossier complet" in html


def test_the_audit_log_filters_by_subject_type_action_and_actor(db, as_admin, frozen):
    lea = UserFactory(email="lea@exemple.fr")
    AuditEventFactory(action="vendor.approved", subject_type="vendor", actor_id=lea.id)
    AuditEventFactory(action="admin.granted", subject_type="user")
    AuditEventFactory(action="vendor.suspended", subject_type="vendor")
    db.session.commit()

    by_type = as_admin.get("/admin/journal?subject_type=vendor").text
    by_action = as_admin.get("/admin/journal?action=GRANTED").text
    by_actor = as_admin.get("/admin/journal?actor=lea@").text
    unknown_type = as_admin.get("/admin/journal?subject_type=pirate&page=x")

    assert (
        "<code>vendor.approved</code>" in by_type
        and "<code>vendor.suspended</code>" in by_type
        and "<code>admin.granted</code>" not in by_type
    )
    assert '<option selected value="vendor">vendor</option>' in by_type
    assert "<code>admin.granted</code>" in by_action and "<code>vendor.approved</code>" not in by_action
    assert "<code>vendor.approved</code>" in by_actor and "<code>vendor.suspended</code>" not in by_actor
    assert unknown_type.status_code == 200 and "<code>admin.granted</code>" in unknown_type.text


def test_the_audit_log_is_paginated(db, as_admin):
    AuditEventFactory.create_batch(30)
    db.session.commit()

    first = as_admin.get("/admin/journal").text
    second = as_admin.get("/admin/journal?page=2").text

    assert "Page 1 sur 2" in first and first.count("<code>test</code>") == 25
    assert second.count("<code>test</code>") == 5


def test_the_audit_log_has_an_empty_state_and_is_read_only(db, as_admin):
    empty = as_admin.get("/admin/journal?action=rien")

    assert "Aucune action ne correspond" in empty.text
    assert as_admin.post("/admin/journal").status_code == 405


def test_back_office_actions_appear_in_the_log(db, as_admin):
    user = UserFactory()
    db.session.commit()
    as_admin.post(f"/admin/utilisateurs/{user.id}/administrateur")

    html = as_admin.get("/admin/journal?subject_type=user&actor=admin@exemple.fr").text

    assert "<code>admin.granted</code>" in html and f'href="/admin/utilisateurs/{user.id}"' in html
