"""One person, one user: providers link through an email both sides have
verified, never through an unverified one; disabled users cannot sign in."""
import threading

import pytest

from accounts_helpers import (PASSWORD, as_ip, assert_error, bearer, cognito_login, google_claims,
                              google_login, google_session, new_email, toss_login, user_row)


def test_google_then_cognito_with_the_same_verified_email_is_one_user(server, google,
                                                                        cognito, pg):
    email = new_email("link")
    gbody, claims = google_session(server, google, email=email)
    uid = gbody["user"]["id"]

    assert server.post("/api/auth/signup",
                       json={"email": email, "password": PASSWORD}).status_code == 201
    assert server.post("/api/auth/confirm", json={
        "email": email, "code": cognito.confirmation_code(email)}).status_code == 200
    r = cognito_login(server, email)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == uid

    assert user_row(pg, uid, "google_id", "cognito_sub", "email_verified") == \
        (claims["sub"], cognito.users[email]["sub"], True)
    assert pg.scalar("SELECT count(*) FROM users WHERE lower(email) = lower(%s)", (email,)) == 1
    me = server.get("/api/auth/me", headers=bearer(r.json()["access_token"])).json()
    assert me["id"] == uid
    assert me["providers"] == ["google", "cognito"]
    assert sorted(p for (p,) in pg.query(
        "SELECT provider FROM auth_sessions WHERE user_id = %s", (uid,))) == ["cognito", "google"]


def test_cognito_then_google_links_too_and_email_case_does_not_matter(server, google,
                                                                       cognito, pg):
    email = new_email("Case")
    cognito.add_user(email, PASSWORD, email=email)
    c = cognito_login(server, email)
    assert c.status_code == 200
    uid = c.json()["user"]["id"]
    g, _ = google_login(server, google, email=email.upper())
    assert g.status_code == 200
    assert g.json()["user"]["id"] == uid


def test_unverified_google_email_never_links(server, google, pg):
    email = new_email("victim")
    owner, _ = google_session(server, google, email=email)
    r, claims = google_login(server, google, email=email, verified=False)
    assert r.status_code == 200
    other = r.json()["user"]["id"]
    assert other != owner["user"]["id"]
    assert user_row(pg, other, "google_id", "email", "email_verified") == \
        (claims["sub"], email, False)
    # the verified owner is untouched
    assert user_row(pg, owner["user"]["id"], "google_id", "email_verified")[1] is True


def test_unverified_cognito_email_never_links(server, google, cognito, pg):
    email = new_email("victim2")
    owner, _ = google_session(server, google, email=email)
    # a Cognito id token whose email is not verified, as a bearer token
    user = cognito.add_user(new_email("attacker"), PASSWORD, email=email, confirmed=False)
    token = cognito.make_token("id", **{"cognito:username": user["username"]})
    r = server.get("/api/auth/me", headers=bearer(token))
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["id"] != owner["user"]["id"]
    assert (me["email_verified"], me["providers"]) == (False, ["cognito"])
    assert user_row(pg, owner["user"]["id"], "cognito_sub") == (None,)


def test_verified_email_cannot_be_claimed_twice(server, google, pg):
    # another Google subject with the same verified email: the holder
    # already has a Google id, so a new user is made, its email unverified
    email = new_email("dup")
    first, _ = google_session(server, google, email=email)
    r, claims = google_login(server, google, email=email)
    assert r.status_code == 200
    second = r.json()["user"]["id"]
    assert second != first["user"]["id"]
    assert user_row(pg, second, "email_verified") == (False,)
    assert pg.scalar("SELECT count(*) FROM users WHERE lower(email) = lower(%s) "
                     "AND email_verified", (email,)) == 1


def test_google_bearer_token_links_on_first_sight(server, google, cognito, pg):
    email = new_email("bearer-link")
    cognito.add_user(email, PASSWORD, email=email)
    c = cognito_login(server, email)
    uid = c.json()["user"]["id"]
    claims = google_claims(email=email)
    r = server.get("/api/auth/me", headers=bearer(google.id_token(claims)))
    assert r.status_code == 200
    assert r.json()["id"] == uid
    assert r.json()["providers"] == ["google", "cognito"]
    assert user_row(pg, uid, "google_id") == (claims["sub"],)


def test_toss_never_links_by_email(server, google, toss, pg):
    email = new_email("toss")
    g, _ = google_session(server, google, email=email)
    r, profile = toss_login(server, toss, toss.sample_profile(email=email))
    assert r.status_code == 200
    assert r.json()["user"]["id"] != g["user"]["id"]
    assert user_row(pg, r.json()["user"]["id"], "email_verified") == (False,)


def test_disabled_user_cannot_sign_in(server, google, cognito, toss, pg):
    body, claims = google_session(server, google)
    uid = body["user"]["id"]
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    sessions = pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id = %s", (uid,))
    r, _ = google_login(server, google, dict(claims))
    assert_error(r, 403, "account_disabled")
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id = %s", (uid,)) == sessions

    email = new_email("disabled")
    cognito.add_user(email, PASSWORD, email=email)
    cuid = cognito_login(server, email).json()["user"]["id"]
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (cuid,))
    assert_error(cognito_login(server, email), 403, "account_disabled")

    r, profile = toss_login(server, toss)
    tuid = r.json()["user"]["id"]
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (tuid,))
    r, _ = toss_login(server, toss, profile)
    assert_error(r, 403, "account_disabled")
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id = %s", (tuid,)) == 1


def test_disabled_user_provider_bearer_is_403(server, google, pg):
    claims = google_claims()
    token = google.id_token(claims)
    uid = server.get("/api/auth/me", headers=bearer(token)).json()["id"]
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    assert_error(server.get("/api/auth/me", headers=bearer(token)), 403, "account_disabled")


@pytest.mark.parametrize("verified", [True, False])
def test_racing_first_sign_ins_of_one_person_make_one_user(server, google, pg, verified):
    """Several devices of one new person signing in at once: every one of
    them gets in, as the same single user (no unique-index error)."""
    rounds, n = 80, 8
    failures = []
    for _ in range(rounds):
        claims = google_claims(verified=verified)
        token = google.id_token(claims)
        barrier = threading.Barrier(n)
        results = [None] * n

        def go(i):
            barrier.wait()
            results[i] = as_ip(server, "POST", "/api/auth/google/login", json={"id_token": token})

        threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = [r.status_code for r in results]
        if codes != [200] * n:
            failures.append((codes, next(r.text for r in results if r.status_code != 200)))
            continue
        assert len({r.json()["user"]["id"] for r in results}) == 1
        assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s",
                         (claims["sub"],)) == 1
        assert pg.scalar("SELECT count(*) FROM auth_sessions s JOIN users u ON u.id = s.user_id "
                         "WHERE u.google_id = %s", (claims["sub"],)) == n
    assert failures == []
