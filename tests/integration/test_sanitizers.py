"""Leaks only LeakSanitizer sees: run by `make asan` (scripts/asan), which
loads the ASan build of the module into every httpd; skipped otherwise.

A leak is reported when a process exits, so each test stops its own server
and then reads the reports its children wrote."""
import concurrent.futures

import pytest

from accounts_helpers import google_login
from conftest import ASAN_MODULE

pytestmark = pytest.mark.skipif(not ASAN_MODULE, reason="needs `make asan`")


def test_curl_handles_are_freed_when_their_threads_exit(make_server, google, pg):
    """Each worker thread that calls out keeps one libcurl handle; it must be
    freed when the thread exits, not lost with the thread's storage."""
    srv = make_server("lsan-curl")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: google_login(srv, google)[0], range(48)))
    assert [r.status_code for r in answers] == [200] * 48
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id IN "
                     "(SELECT id FROM users WHERE email = ANY(%s))",
                     ([r.json()["user"]["email"] for r in answers],)) == 48
    srv.stop()
    reports = srv.new_reports()
    assert reports == [], "\n".join(body for _, body in reports)
