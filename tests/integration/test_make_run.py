"""`make run`: embedded database, generated credentials, Ctrl-C stops all."""
import os
import stat
import time

import requests

from conftest import VERSION
from make_run_helpers import MakeRun, gone

PATH = "/api/auth/disconnect-callback"


def test_make_run_serves_with_an_embedded_database(workdir):
    with MakeRun(os.path.join(workdir, "make-run-var")) as run:
        health = requests.get(run.url + "/health", timeout=10)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "version": VERSION, "database": "ok"}

        secret = os.path.join(run.var, "secrets", "toss-callback-password")
        assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
        with open(secret) as f:
            password = f.read()
        assert len(password) >= 20
        r = requests.post(run.url + PATH, auth=("gamehoney", password),
                          json={"userKey": 0, "referrer": "UNLINK"}, timeout=10)
        assert r.status_code == 200
        assert r.json()["message"] == "Test callback acknowledged"
        httpd_pid, pg_pid = run.pids()
        sandbox = run.sandbox_pid()
    out = run.output
    assert secret in out                             # where the password is...
    assert password not in out                       # ...never the password
    deadline = time.time() + 20
    while not (gone(httpd_pid) and gone(pg_pid) and gone(sandbox)) and time.time() < deadline:
        time.sleep(0.2)
    assert gone(httpd_pid), "httpd still running after Ctrl-C"
    assert gone(pg_pid), "PostgreSQL still running after Ctrl-C"
    assert gone(sandbox), "the sandbox still running after Ctrl-C"
    assert run.error_log_problems() == []
