"""`make run`: embedded database, generated credentials, Ctrl-C stops all."""
import os
import signal
import stat
import subprocess
import time

import requests

from conftest import ROOT, VERSION, free_port

PATH = "/api/auth/disconnect-callback"


def wait_for(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def gone(pid):
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True


def test_make_run_serves_with_an_embedded_database(workdir):
    var = os.path.join(workdir, "make-run-var")
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("TOSS_DISCONNECT_CALLBACK_PASSWORD", "DATABASE_URL",
                        "GAMEHONEY_AUDIT_KEY")}
    env.update(GAMEHONEY_PORT=str(port), GAMEHONEY_PG_PORT=str(free_port()),
               GAMEHONEY_VAR_DIR=var)
    proc = subprocess.Popen(["make", "-s", "run"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/health")
        assert health.json() == {"status": "ok", "version": VERSION, "database": "ok"}

        secret = os.path.join(var, "secrets", "toss-callback-password")
        assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
        with open(secret) as f:
            password = f.read()
        assert len(password) >= 20
        r = requests.post(f"http://127.0.0.1:{port}{PATH}", auth=("gamehoney", password),
                          json={"userKey": 0, "referrer": "UNLINK"}, timeout=10)
        assert r.status_code == 200
        assert r.json()["message"] == "Test callback acknowledged"

        with open(os.path.join(var, "run", "httpd.pid")) as f:
            httpd_pid = int(f.read())
        with open(os.path.join(var, "pg", "data", "postmaster.pid")) as f:
            pg_pid = int(f.readline())
    finally:
        os.killpg(proc.pid, signal.SIGINT)          # what Ctrl-C sends
        out, _ = proc.communicate(timeout=60)
    assert secret in out                             # where the password is...
    assert password not in out                       # ...never the password
    deadline = time.time() + 20
    while not (gone(httpd_pid) and gone(pg_pid)) and time.time() < deadline:
        time.sleep(0.2)
    assert gone(httpd_pid), "httpd still running after Ctrl-C"
    assert gone(pg_pid), "PostgreSQL still running after Ctrl-C"
