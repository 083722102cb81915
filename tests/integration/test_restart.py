"""Graceful restarts of httpd while callbacks are being served."""
import hashlib
import hmac
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import AUDIT_KEY, PASSWORD, USER

PATH = "/api/auth/disconnect-callback"
AUTH = (USER, PASSWORD)


def test_graceful_restart_under_load_loses_nothing(make_server, pg, user):
    # A server of its own: after two quick graceful restarts the event MPM
    # may run one child until load asks for more, and later tests want two.
    srv = make_server("restart")
    users = [user() for _ in range(300)]
    started = threading.Event()

    def one(key):
        started.set()
        r = requests.post(srv.url + PATH, auth=AUTH, json={"userKey": key}, timeout=30)
        return r.status_code, r.json()["success"]

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(one, k) for k, _ in users]
        started.wait(10)
        srv.graceful()
        srv.graceful()
        replies = [f.result() for f in futures]
    assert replies == [(200, True)] * len(users)
    ids = [uid for _, uid in users]
    assert pg.scalar("SELECT count(*) FROM users WHERE id = ANY(%s)", (ids,)) == 0
    assert pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = ANY(%s)", (ids,)) == 0
    hashes = [hmac.new(AUDIT_KEY.encode(), str(k).encode(), hashlib.sha256).hexdigest()
              for k, _ in users]
    assert pg.query("SELECT outcome, count(*) FROM unlink_audit WHERE user_key_hash = ANY(%s) "
                    "GROUP BY outcome", (hashes,)) == [("deleted", len(users))]
    assert srv.log_text().count("resuming normal operations") >= 3
    assert srv.get("/health").json()["database"] == "ok"
