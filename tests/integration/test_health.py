"""Liveness and readiness endpoints."""
import pytest

from conftest import VERSION


@pytest.mark.parametrize("path", ["/health", "/api/health"])
def test_health_reports_version_and_database(server, path):
    r = server.get(path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.json() == {"status": "ok", "version": VERSION, "database": "ok"}


@pytest.mark.parametrize("path", ["/health/live", "/api/health/live"])
def test_liveness_skips_the_database(server, path):
    r = server.get(path)
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": VERSION}


def test_server_runs_event_mpm_with_several_children(server):
    assert "mpm_event" in server.log_text()
    assert len(server.children()) >= 2


def test_startup_logs_the_version(server):
    assert f"mod_gamehoney/{VERSION} configured" in server.log_text()
