def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_page_renders_in_the_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Aller au contenu" in response.text
