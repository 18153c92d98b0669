"""Logs never contain the visitor's IP, user agent or event properties, even when a request fails."""

from __future__ import annotations

import logging

import pytest

from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_failures_are_logged_without_personal_data(door, stream, settings, caplog, monkeypatch):
    site = make_site(origins=[])
    caplog.set_level(logging.DEBUG)

    def explode(*args, **kwargs):
        raise RuntimeError("simulated bug")

    # A bug deep in the pipeline: the door must answer 500 JSON and log it without the request's data.
    monkeypatch.setattr("ingest.http.collect.process", explode)
    response = door.post(
        "/api/v1/collect",
        {"key": site.public_key, "name": "x", "props": {"secret_prop": "hunter2"}},
        remote_addr="198.51.100.201",
        headers={"User-Agent": "VerySpecificAgent/9.9"},
    )
    assert response.status == 500 and response.json()["code"] == "internal_error"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # and a Redis outage is logged too
    monkeypatch.undo()
    assert (
        door.post("/api/v1/collect", {"key": site.public_key, "name": "y"}, remote_addr="198.51.100.201").status == 202
    )
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "simulated bug" in logged and "redis unavailable" in logged
    for secret in ("198.51.100.201", "VerySpecificAgent", "hunter2"):
        assert secret not in logged
