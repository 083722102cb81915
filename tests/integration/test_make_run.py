"""`make run`: embedded database, generated credentials, Ctrl-C stops all."""
import base64
import os
import socket
import stat
import threading
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


def test_ctrl_c_lets_a_request_in_flight_finish(workdir):
    """Ctrl-C is a graceful stop: a request whose body is still arriving
    gets its answer, and nothing is logged as an error. (Were httpd's
    children signalled directly, they would close its socket mid-request.)"""
    run = MakeRun(os.path.join(workdir, "make-run-inflight-var"))
    with run:
        with open(os.path.join(run.var, "secrets", "toss-callback-password")) as f:
            password = f.read()
        auth = base64.b64encode(f"gamehoney:{password}".encode()).decode()
        body = b'{"userKey": 0, "referrer": "UNLINK"}'
        s = socket.create_connection(("127.0.0.1", run.port), timeout=20)
        s.sendall(f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                  f"Connection: close\r\n\r\n".encode() + body[:10])
        time.sleep(0.5)                              # the handler is reading the body
        stopper = threading.Thread(target=run.stop)
        stopper.start()
        time.sleep(1.5)                              # Ctrl-C has arrived
        s.sendall(body[10:])
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        s.close()
        stopper.join(60)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert b"Test callback acknowledged" in answer
    assert not stopper.is_alive()
    assert run.error_log_problems() == []
