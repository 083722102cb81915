"""Every pooled connection killed under the module (pg_terminate_backend),
then concurrent reads and writes of each area: a statement the dead
connection never ran is run again on a fresh one, so nobody gets 503, and
each write is done exactly once (gh_db.c, "When a failed statement is run
again")."""
from concurrent.futures import ThreadPoolExecutor
import uuid

import pytest

from accounts_helpers import bearer, forge_session, google_login
from chat_helpers import ident, new_room
from payaction_helpers import User, deposit
from payments_helpers import grant

ROUNDS = 6
TERMINATE = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             " WHERE datname = current_database() AND pid <> pg_backend_pid()"
             " AND backend_type = 'client backend'")


class Accounts:
    def __init__(self, srv, pg, user, google):
        _, self.uid = user(subs=0, tokens=0)
        self.auth = bearer(forge_session(sub=str(self.uid)))
        self.srv, self.pg, self.google, self.subs = srv, pg, google, []

    def read(self):
        r = self.srv.get("/api/auth/me", headers=self.auth)
        return r.status_code == 200 and r.json()["id"] == self.uid, r

    def write(self):
        sub = "stale-" + uuid.uuid4().hex
        self.subs.append(sub)
        r, _ = google_login(self.srv, self.google, sub=sub)
        return r.status_code == 200, r

    def rows(self):
        return [self.pg.scalar("SELECT count(*) FROM auth_sessions s JOIN users u"
                               " ON u.id = s.user_id WHERE u.google_id = %s", (s,))
                for s in self.subs]


class UserData:
    def __init__(self, srv, pg, user, google):
        _, self.uid = user(subs=0, tokens=0)
        self.auth = bearer(forge_session(sub=str(self.uid)))
        self.srv, self.pg, self.games = srv, pg, []

    def read(self):
        r = self.srv.get("/api/me/subscriptions", headers=self.auth)
        return r.status_code == 200, r

    def write(self):
        game = "g-" + uuid.uuid4().hex[:12]
        self.games.append(game)
        r = self.srv.post("/api/me/subscriptions", headers=self.auth,
                          json={"game_id": game, "category": "공지사항"})
        return r.status_code in (200, 201), r

    def rows(self):
        return [self.pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = %s"
                               " AND game_id = %s", (self.uid, g)) for g in self.games]


class Payments:
    def __init__(self, srv, pg, user, google):
        _, self.uid = user(subs=0, tokens=0)
        grant(pg, self.uid, 1000000)
        self.auth = bearer(forge_session(sub=str(self.uid)))
        self.srv, self.pg, self.reasons = srv, pg, []

    def read(self):
        r = self.srv.get("/api/payments/user/balance", headers=self.auth)
        return r.status_code == 200, r

    def write(self):
        reason = "stale " + uuid.uuid4().hex
        self.reasons.append(reason)
        r = self.srv.post("/api/payments/user/deduct-points", headers=self.auth,
                          json={"amount": 7, "reason": reason})
        return r.status_code == 200, r

    def rows(self):
        return [self.pg.scalar("SELECT count(*) FROM point_ledger WHERE user_id = %s"
                               " AND reason = %s", (self.uid, s)) for s in self.reasons]


class Deposits:
    def __init__(self, srv, pg, user, google):
        self.user = User(pg)
        self.srv, self.pg, self.names = srv, pg, []

    def read(self):
        r = self.srv.get(f"/transaction-history/{self.user.name}", headers=self.user.auth)
        return r.status_code == 200, r

    def write(self):
        name = "입금" + uuid.uuid4().hex[:8]
        self.names.append(name)
        r = deposit(self.srv, self.user, amount=10000, billing_name=name)
        return r.status_code == 200, r

    def rows(self):
        return [self.pg.scalar("SELECT count(*) FROM payment_orders WHERE user_id = %s"
                               " AND billing_name = %s", (self.user.id, n)) for n in self.names]


class Chat:
    def __init__(self, srv, pg, user, google):
        self.room = new_room(pg)
        self.who = ident()
        self.srv, self.pg, self.texts = srv, pg, []

    def read(self):
        r = self.srv.get(f"/chat/v1/room/{self.room}/messages/")
        return r.status_code == 200, r

    def write(self):
        text = "stale " + uuid.uuid4().hex
        self.texts.append(text)
        r = self.srv.post("/chat/v1/message/", params=self.who,
                          json={"message": text, "room": self.room})
        return r.status_code == 201, r

    def rows(self):
        return [self.pg.scalar("SELECT count(*) FROM chat_messages WHERE room_id = %s"
                               " AND message = %s", (self.room, t)) for t in self.texts]


AREAS = {"accounts": Accounts, "user_data": UserData, "payments": Payments,
         "deposits": Deposits, "chat": Chat}


@pytest.mark.parametrize("area", AREAS.values(), ids=AREAS.keys())
def test_killed_connections_are_replaced_without_503(server, pg, user, google, area):
    a = area(server, pg, user, google)
    failures = []
    with ThreadPoolExecutor(4) as pool:
        for _ in range(ROUNDS):
            pg.query(TERMINATE)
            calls = [pool.submit(f) for f in (a.read, a.write, a.read, a.write)]
            for call in calls:
                ok, r = call.result()
                if not ok:
                    failures.append((r.request.method, r.request.url, r.status_code, r.text))
    errors = [line for line in server.new_log().splitlines() if ":error]" in line]
    assert failures == [], errors
    # every write answered 2xx and was done exactly once
    assert a.rows() == [1] * (2 * ROUNDS)
    # and nothing was logged as an error (the conftest guard fails on any)
