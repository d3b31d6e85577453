"""Liveness and readiness: /healthz answers while the process lives; /readyz only when it can serve."""
from __future__ import annotations


def test_healthz_is_alive(checked_client):
    response = checked_client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_the_knowledge_version(checked_client, app):
    response = checked_client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["knowledgeVersion"] == app.extensions["netcds"].knowledge.version


def test_readyz_is_503_when_the_database_is_unreachable(checked_client, app, monkeypatch):
    monkeypatch.setattr(app.extensions["netcds"].feedback_store, "ping", lambda: False)

    response = checked_client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["issue"][0]["code"] == "transient"


def test_readyz_is_503_when_the_database_check_raises(checked_client, app, monkeypatch):
    def boom():
        raise OSError("socket")
    monkeypatch.setattr(app.extensions["netcds"].feedback_store, "ping", boom)

    assert checked_client.get("/readyz").status_code == 503
