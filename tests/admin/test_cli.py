"""``flask create-admin``."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.auth import verify_password
from marketplace.accounts.models import User
from marketplace.core.audit import events_for
from tests.factories import UserFactory

PASSWORD = "Une-phrase-de-passe-solide"


def _user(db, email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_admin_creates_a_verified_administrator(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "Nouvelle.Admin@Exemple.fr", "--password", PASSWORD]
    )

    assert result.exit_code == 0, result.output
    assert "Administrateur créé : nouvelle.admin@exemple.fr" in result.output
    user = _user(db, "nouvelle.admin@exemple.fr")
    assert user.is_admin and user.verified_at is not None
    assert verify_password(user.password_hash, PASSWORD)
    events = events_for(user)
    assert [e.action for e in events] == ["user.created", "admin.granted"]
    assert all(e.actor_id is None for e in events)


def test_create_admin_prompts_for_the_password_without_echo(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "invitee@exemple.fr"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output and "Confirmez le mot de passe" in result.output
    assert PASSWORD not in result.output
    assert verify_password(_user(db, "invitee@exemple.fr").password_hash, PASSWORD)


def test_the_prompt_asks_again_when_the_two_entries_differ(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "invitee@exemple.fr"],
        input=f"{PASSWORD}\nautre-chose-encore\n{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert verify_password(_user(db, "invitee@exemple.fr").password_hash, PASSWORD)


def test_create_admin_promotes_an_existing_account_without_asking_a_password(app, db, outbox):
    user = UserFactory(email="lea@exemple.fr", unverified=True)
    old_hash = user.password_hash
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["create-admin", "LEA@exemple.fr"], input="")

    assert result.exit_code == 0, result.output
    assert "Compte existant promu administrateur : lea@exemple.fr" in result.output
    db.session.refresh(user)
    assert user.is_admin and user.verified_at is not None
    assert user.password_hash == old_hash
    assert "admin.granted" in [e.action for e in events_for(user)]
    assert len(outbox("lea@exemple.fr")) == 1


def test_a_given_password_replaces_the_old_one_and_signs_out_everywhere(app, db):
    user = UserFactory(email="lea@exemple.fr", admin=True)
    token = user.session_token
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["create-admin", "lea@exemple.fr", "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    assert "Administrateur mis à jour" in result.output
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)
    assert user.session_token != token


def test_an_existing_administrator_is_left_unchanged(app, db):
    user = UserFactory(email="lea@exemple.fr", admin=True)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["create-admin", "lea@exemple.fr"])

    assert result.exit_code == 0
    assert "déjà administrateur" in result.output
    assert events_for(user) == []


def test_bad_input_is_refused_with_a_message(app, db):
    runner = app.test_cli_runner()

    bad_email = runner.invoke(args=["create-admin", "pas-une-adresse", "--password", PASSWORD])
    short = runner.invoke(args=["create-admin", "court@exemple.fr", "--password", "court"])

    assert bad_email.exit_code == 1 and "Adresse e-mail invalide" in bad_email.output
    assert short.exit_code == 1 and "au moins 10 caractères" in short.output
    assert _user(db, "court@exemple.fr") is None


def test_a_deleted_account_is_not_promoted(app, db):
    from marketplace.core.clock import now_utc

    user = UserFactory(email="parti@exemple.fr", deleted_at=now_utc())
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["create-admin", "parti@exemple.fr"])

    assert result.exit_code == 1 and "Ce compte est supprimé" in result.output
    db.session.refresh(user)
    assert not user.is_admin
