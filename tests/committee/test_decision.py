"""Quorum, tally, majority rule and the chair's decision."""
from __future__ import annotations

from fractions import Fraction

import pytest
import sqlalchemy as sa

from marketplace.committee import services
from marketplace.committee.models import Decision, DecisionOutcome, Opinion
from marketplace.vendors.models import ApplicationStatus, VendorStatus
from tests.committee.conftest import owner_of
from tests.factories import CommitteeMandateFactory, UserFactory


def _decision(db, application):
    return db.session.scalars(sa.select(Decision).where(Decision.application_id == application.id)).first()


def _decide(client, application, outcome="approved", motivation="Projet cohérent avec la charte.", justification="", confirm=True):
    data = {"outcome": outcome, "motivation": motivation, "justification": justification}
    if confirm:
        data["confirm_decision"] = "y"
    return client.post(f"/comite/dossiers/{application.id}/decision", data=data)


@pytest.fixture
def reviewed(make_dossier, members, post_review):
    """``reviewed(*opinions)``: a dossier reviewed by members with these opinions."""

    def _make(*opinions, scores=None):
        application = make_dossier()
        for i, opinion in enumerate(opinions):
            post_review(
                members[i], application, scores=(scores or {}).get(i, (2, 2, 2)), opinion=opinion, comment="Motivé."
            )
        return application

    return _make


def test_the_chair_cannot_decide_before_the_quorum(db, client, login_as, chair, reviewed, outbox):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE)
    login_as(chair)
    page = client.get(f"/comite/dossiers/{application.id}")
    assert "quorum de 3 avis sera atteint" in page.text
    assert f'action="/comite/dossiers/{application.id}/decision"' not in page.text
    response = _decide(client, application)
    assert response.status_code == 400
    assert "Le quorum n&#39;est pas atteint : 2 avis sur 3 requis" in response.text
    assert _decision(db, application) is None
    assert application.status == ApplicationStatus.IN_REVIEW


def test_recused_members_do_not_count_towards_the_quorum(db, app, client, login_as, chair, members, reviewed):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE)
    login_as(members[2])
    client.post(
        f"/comite/dossiers/{application.id}/conflit-interets", data={"reason": "Client", "confirm_recusal": "y"}
    )
    with app.test_request_context():
        tally = services.tally(application)
    assert (tally.reviews, tally.recused, tally.quorum_reached) == (2, 1, False)
    login_as(chair)
    assert _decide(client, application).status_code == 400
    assert _decision(db, application) is None


def test_the_quorum_comes_from_the_configuration(db, app, client, login_as, chair, reviewed):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE)
    app.config["COMMITTEE_QUORUM"] = 2
    try:
        login_as(chair)
        assert _decide(client, application).status_code == 302
    finally:
        app.config["COMMITTEE_QUORUM"] = 3
    assert application.status == ApplicationStatus.APPROVED


def test_the_chair_approves_with_the_majority(db, client, login_as, chair, reviewed, outbox):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.RESERVED)
    login_as(chair)
    page = client.get(f"/comite/dossiers/{application.id}")
    assert f'action="/comite/dossiers/{application.id}/decision"' in page.text
    response = _decide(client, application, "approved", "Structure exemplaire.")
    assert response.status_code == 302
    decision = _decision(db, application)
    assert decision.outcome == DecisionOutcome.APPROVED and decision.chair_id == chair.id
    assert (decision.favorable_count, decision.reserved_count, decision.unfavorable_count) == (2, 1, 0)
    assert decision.weighted_score == 200
    assert decision.against_majority_justification is None
    assert application.status == ApplicationStatus.APPROVED
    vendor = application.vendor
    assert vendor.status == VendorStatus.APPROVED and vendor.approval_expires_at is not None
    mails = outbox(owner_of(vendor).email)
    assert mails and "Structure exemplaire." in mails[-1].body
    page = client.get(f"/comite/dossiers/{application.id}")
    assert "Structure exemplaire." in page.text


def test_a_decision_against_the_majority_needs_a_justification(db, client, login_as, chair, reviewed, outbox):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.UNFAVORABLE)
    login_as(chair)
    refused = _decide(client, application, "rejected", "Le chiffre d'affaires local est trop faible.")
    assert refused.status_code == 400
    assert "va à l&#39;encontre de la majorité des avis (Favorable)" in refused.text
    assert _decision(db, application) is None
    assert application.status == ApplicationStatus.IN_REVIEW

    accepted = _decide(
        client,
        application,
        "rejected",
        "Le chiffre d'affaires local est trop faible.",
        justification="Les pièces comptables contredisent les réponses au critère 3.",
    )
    assert accepted.status_code == 302
    decision = _decision(db, application)
    assert decision.outcome == DecisionOutcome.REJECTED
    assert decision.against_majority_justification.startswith("Les pièces comptables")
    assert application.status == ApplicationStatus.REJECTED
    assert application.vendor.status == VendorStatus.REJECTED
    assert "Le chiffre d'affaires local est trop faible." in outbox(owner_of(application.vendor).email)[-1].body


def test_approving_against_an_unfavorable_majority_also_needs_a_justification(db, client, login_as, chair, reviewed):
    application = reviewed(Opinion.UNFAVORABLE, Opinion.UNFAVORABLE, Opinion.FAVORABLE)
    login_as(chair)
    assert _decide(client, application, "approved").status_code == 400
    assert _decide(client, application, "approved", justification="Engagements écrits reçus.").status_code == 302
    assert application.status == ApplicationStatus.APPROVED


def test_without_an_absolute_majority_no_justification_is_needed(db, client, login_as, chair, reviewed):
    application = reviewed(Opinion.FAVORABLE, Opinion.RESERVED, Opinion.UNFAVORABLE)
    login_as(chair)
    assert _decide(client, application, "rejected").status_code == 302
    assert _decision(db, application).against_majority_justification is None


def test_motivation_and_confirmation_are_required(db, client, login_as, chair, reviewed):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.FAVORABLE)
    login_as(chair)
    no_motivation = _decide(client, application, motivation="  ")
    assert no_motivation.status_code == 400
    assert "La motivation de la décision est obligatoire." in no_motivation.text
    unconfirmed = _decide(client, application, confirm=False)
    assert unconfirmed.status_code == 400
    assert "Cochez la case pour confirmer la décision." in unconfirmed.text
    assert _decide(client, application, outcome="peut-etre").status_code == 400
    assert _decision(db, application) is None


def test_only_the_chair_decides(db, client, login_as, members, reviewed):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.FAVORABLE)
    login_as(members[0])
    page = client.get(f"/comite/dossiers/{application.id}")
    assert f'action="/comite/dossiers/{application.id}/decision"' not in page.text
    assert _decide(client, application).status_code == 403
    login_as(UserFactory(admin=True))
    assert _decide(client, application).status_code == 403
    former_chair = CommitteeMandateFactory(is_chair=True, ends_on=members[0].committee_mandates[0].starts_on).user
    login_as(former_chair)
    assert _decide(client, application).status_code == 403
    assert _decision(db, application) is None
    assert application.status == ApplicationStatus.IN_REVIEW


def test_a_recused_chair_cannot_decide(db, client, login_as, chair, reviewed):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.FAVORABLE)
    login_as(chair)
    client.post(
        f"/comite/dossiers/{application.id}/conflit-interets", data={"reason": "Parent salarié", "confirm_recusal": "y"}
    )
    response = _decide(client, application)
    assert response.status_code == 403
    assert _decision(db, application) is None


def test_a_dossier_is_decided_only_once(db, client, login_as, chair, reviewed):
    application = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.FAVORABLE)
    login_as(chair)
    assert _decide(client, application).status_code == 302
    second = _decide(client, application, "rejected", justification="Revirement")
    assert second.status_code == 400
    assert _decision(db, application).outcome == DecisionOutcome.APPROVED


def test_tally_counts_opinions_and_averages_weighted_scores(db, app, client, login_as, chair, grid, reviewed):
    # weights 1, 2, 3: (3,3,3) → 3 ; (0,0,0) → 0 ; (3,0,0) → 3/6 = 0.5 ; mean 3.5/3
    application = reviewed(
        Opinion.FAVORABLE,
        Opinion.UNFAVORABLE,
        Opinion.RESERVED,
        scores={0: (3, 3, 3), 1: (0, 0, 0), 2: (3, 0, 0)},
    )
    with app.test_request_context():
        tally = services.tally(application)
    assert (tally.favorable, tally.reserved, tally.unfavorable) == (1, 1, 1)
    assert tally.weighted_average == Fraction(7, 6)
    assert tally.majority is None and tally.quorum_reached
    login_as(chair)
    page = client.get(f"/comite/dossiers/{application.id}")
    assert "1,17 / 3" in page.text
    assert "aucune majorité absolue" in page.text


def test_changing_a_weight_later_does_not_rewrite_past_reviews(db, app, grid, reviewed):
    application = reviewed(Opinion.FAVORABLE, scores={0: (3, 0, 0)})  # 3×1 / (1+2+3) = 0.5
    grid[0].weight = 10
    db.session.flush()
    with app.test_request_context():
        assert services.tally(application).weighted_average == Fraction(1, 2)


def test_the_chair_is_told_when_the_quorum_is_reached(db, chair, reviewed, outbox):
    reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE)
    assert [m for m in outbox(chair.email) if m.subject.startswith("Quorum atteint")] == []
    reviewed_app = reviewed(Opinion.FAVORABLE, Opinion.FAVORABLE, Opinion.FAVORABLE)
    quorum_mails = [m for m in outbox(chair.email) if m.subject.startswith("Quorum atteint")]
    assert len(quorum_mails) == 1
    assert f"/comite/dossiers/{reviewed_app.id}" in quorum_mails[0].body


def test_the_chair_who_has_not_reviewed_sees_the_synthesis_only_at_quorum(db, client, login_as, chair, members, reviewed, post_review):
    application = reviewed(Opinion.UNFAVORABLE, Opinion.UNFAVORABLE)
    login_as(chair)
    before = client.get(f"/comite/dossiers/{application.id}")
    assert "Avis défavorables" not in before.text
    post_review(members[2], application, opinion=Opinion.UNFAVORABLE, comment="Non.")
    login_as(chair)
    at_quorum = client.get(f"/comite/dossiers/{application.id}")
    assert "Avis défavorables" in at_quorum.text
    assert "Motivé." not in at_quorum.text  # individual reviews stay hidden
