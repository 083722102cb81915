"""Errors httpd raises before any <Location> applies (while reading the
request, or decoding its path) are JSON too: conf/gamehoney.conf's
server-level ErrorDocuments hand them to the module's error page."""
import json
import socket

import pytest

NOT_FOUND = {"error": "not_found", "message": "No such resource."}
MALFORMED = {"error": "bad_request", "message": "The request is malformed."}
TOO_LONG = {"error": "uri_too_long", "message": "The request URI is too long."}
FORBIDDEN = {"error": "forbidden", "message": "Access is denied."}


def exchange(srv, data):
    """Sends data on a new connection; returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), out[:200]
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def get(path, extra=b""):
    return (b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra
            + b"Connection: close\r\n\r\n")


CASES = {
    "%00 in an area": (get(b"/api/me/push-tokens/a%00b"), 404, NOT_FOUND),
    "%00 outside the areas": (get(b"/x%00y"), 404, NOT_FOUND),
    "%2F in an area": (get(b"/api/me/push-tokens/a%2Fb"), 404, NOT_FOUND),
    "%2f in the payments area": (get(b"/api/payments/admin/check-payment/a%2fb"), 404,
                                 NOT_FOUND),
    "%2F in the deposits area": (get(b"/transaction-history/a%2Fb"), 404, NOT_FOUND),
    "9 KB URL": (get(b"/health?" + b"a" * 9000), 414, TOO_LONG),
    "9 KB path": (get(b"/api/auth/" + b"p" * 9000), 414, TOO_LONG),
    "20 KB header": (get(b"/health", b"X-Big: " + b"b" * 20000 + b"\r\n"), 400, MALFORMED),
    "20 KB Authorization": (get(b"/api/auth/me", b"Authorization: Bearer " + b"t" * 20000
                                + b"\r\n"), 400, MALFORMED),
    "101 headers": (get(b"/health", b"".join(b"X-H%d: 1\r\n" % i for i in range(101))),
                    400, MALFORMED),
    "header without colon": (get(b"/health", b"no colon here\r\n"), 400, MALFORMED),
    "malformed request line": (b"GARBAGE\r\n\r\n", 400, MALFORMED),
    "two spaces": (b"GET  /health HTTP/1.1\r\nHost: a\r\n\r\n", 400, MALFORMED),
    "HTTP/0.9": (b"GET /health\r\n", 400, MALFORMED),
    "HTTP/1.1 without Host": (b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", 400,
                              MALFORMED),
    "the error page itself": (get(b"/.gamehoney/error"), 403, FORBIDDEN),
    "a path outside the areas": (get(b"/nothing-here"), 403, FORBIDDEN),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_httpd_refusals_are_json(server, log_allow, name):
    log_allow(r"AH01630")            # <Directory /> denies what no area serves
    data, status, body = CASES[name]
    got_status, headers, got_body = exchange(server, data)
    assert got_status == status, (name, got_body[:300])
    assert headers["Content-Type"] == "application/json", name
    assert json.loads(got_body) == body
    assert int(headers["Content-Length"]) == len(got_body)


def test_a_post_refused_early_is_json_and_reads_no_body(server, pg):
    users = pg.scalar("SELECT count(*) FROM users")
    data = (b"POST /api/auth/disconnect-callback%00 HTTP/1.1\r\nHost: a\r\n"
            b"Content-Type: application/json\r\nContent-Length: 13\r\n"
            b"Connection: close\r\n\r\n{\"userKey\":1}")
    status, headers, body = exchange(server, data)
    assert (status, headers["Content-Type"]) == (404, "application/json")
    assert json.loads(body) == NOT_FOUND
    assert pg.scalar("SELECT count(*) FROM users") == users
