"""A provider that refuses connections is 503 upstream_unavailable, at once.

One server points Google's token endpoint, Cognito and Toss at a closed
port. Its Cognito signing-key fetches fail too (and are logged as errors
every few seconds), so it lives only for this test."""
from accounts_helpers import (PASSWORD, REDIRECT, assert_error, google_claims, new_email, timed,
                              uniq)

CLOSED = "127.0.0.1:1"


def test_refused_connections_are_503_without_delay(make_server, google, pg, log_allow):
    srv = make_server("refused", f'GameHoneyGoogleTokenURL "http://{CLOSED}/token"\n'
                                 f'GameHoneyCognitoEndpoint "http://{CLOSED}"\n'
                                 f'GameHoneyTossLoginURL "https://{CLOSED}"\n')
    try:
        log_allow(r"(Google|Cognito|Toss) call failed: .*(onnect|refused)"
                  rf"|signing keys from http://{CLOSED}/")
        code = uniq("gcode")
        claims = google_claims()
        google.register_code(code, claims, REDIRECT)
        calls = [
            ("/api/auth/google/login", {"code": code, "redirect_uri": REDIRECT}),
            ("/api/auth/signup", {"email": new_email(), "password": PASSWORD}),
            ("/api/auth/confirm", {"email": new_email(), "code": "123456"}),
            ("/api/auth/login", {"email": new_email(), "password": PASSWORD}),
            ("/api/auth/toss/login", {"authorizationCode": uniq("tcode")}),
        ]
        for path, body in calls:
            r, elapsed = timed(srv.post, path, json=body)
            assert_error(r, 503, "upstream_unavailable")
            assert elapsed < 2, (path, elapsed)
        # the id_token flow needs no token endpoint
        r = srv.post("/api/auth/google/login", json={"id_token": google.id_token(claims)})
        assert r.status_code == 200, r.text
        assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 1
    finally:
        srv.stop()
