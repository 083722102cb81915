"""Graceful restarts of httpd while callbacks are being served."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import PASSWORD, USER

PATH = "/api/auth/disconnect-callback"
AUTH = (USER, PASSWORD)


def test_graceful_restart_under_load_loses_nothing(server, pg, user):
    users = [user() for _ in range(300)]
    started = threading.Event()

    def one(key):
        started.set()
        r = requests.post(server.url + PATH, auth=AUTH, json={"userKey": key}, timeout=30)
        return r.status_code

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(one, k) for k, _ in users]
        started.wait(10)
        server.graceful()
        server.graceful()
        codes = [f.result() for f in futures]
    assert codes == [200] * len(users)
    ids = [uid for _, uid in users]
    assert pg.scalar("SELECT count(*) FROM users WHERE id = ANY(%s)", (ids,)) == 0
    assert pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = ANY(%s)", (ids,)) == 0
    deadline = time.time() + 10        # the new generation spawns its children
    while len(server.children()) < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert len(server.children()) >= 2
    assert server.get("/health").json()["database"] == "ok"
