"""Error pages in the layout, in French; health check."""
from __future__ import annotations


def _assert_in_layout(html: str) -> None:
    assert "Aller au contenu" in html
    assert 'href="/"' in html
    assert 'action="/recherche"' in html


def test_unknown_url_gives_a_french_404_page(client):
    response = client.get("/cette-page-n-existe-pas")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "Erreur 404" in response.text
    _assert_in_layout(response.text)


def test_wrong_method_gives_a_405_page(client):
    response = client.post("/charte")
    assert response.status_code == 405
    assert "Méthode non autorisée" in response.text
    _assert_in_layout(response.text)


def test_too_large_a_body_gives_a_413_page(client, app, monkeypatch, outbox):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = client.post(
        "/contact",
        data={"name": "A", "email": "a@exemple.fr", "subject": "other", "message": "x" * 5000},
    )
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.text
    _assert_in_layout(response.text)
    assert outbox() == []


def test_unexpected_errors_give_a_500_page(make_app):
    broken = make_app(PROPAGATE_EXCEPTIONS=False)

    @broken.get("/panne")
    def _boom():
        raise RuntimeError("panne simulée")

    response = broken.test_client().get("/panne")
    assert response.status_code == 500
    assert "Erreur du serveur" in response.text
    assert "panne simulée" not in response.text
    _assert_in_layout(response.text)


def test_expired_form_gives_the_csrf_page(csrf_app, client):
    response = client.post("/contact", data={"name": "A"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.text
    assert "rechargez-la" in response.text
    _assert_in_layout(response.text)


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(build_app, tmp_path):
    unreachable = build_app(DATABASE_URL=f"sqlite:///{tmp_path / 'absent' / 'nowhere.db'}")
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


def test_unreachable_database_gives_a_503_page_without_details(build_app, tmp_path):
    unreachable = build_app(
        DATABASE_URL=f"sqlite:///{tmp_path / 'absent' / 'nowhere.db'}", PROPAGATE_EXCEPTIONS=False
    )
    client = unreachable.test_client()
    with client.session_transaction() as sess:  # a signed-in visitor: the account cannot be read either
        sess["_user_id"] = "1:jeton"
    for path in ("/", "/catalogue", "/panier"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "5"
        assert "Service momentanément indisponible" in response.text
        assert "sqlite" not in response.text.lower() and "Traceback" not in response.text
        _assert_in_layout(response.text)
    assert client.get("/", headers={"Accept": "application/json"}).get_json()["error"] == (
        "Service momentanément indisponible"
    )
