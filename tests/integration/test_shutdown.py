"""httpd stops cleanly with the identity providers configured (issue 11,
item 18): the signing-key refresher thread is joined before the child
pool's subpools, its own among them, are destroyed."""
import os
import signal
import subprocess
import time

from conftest import BAD_LOG, HTTPD, ROOT, Httpd


def wait_gone(pid, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def bad_lines(srv):
    return [line for line in srv.log_text().splitlines() if BAD_LOG.search(line)]


def test_single_process_mode_exits_0(workdir, pg, providers, google, cognito):
    srv = Httpd(workdir, "shutdown-x", pg)
    before = google.jwks_fetches + cognito.jwks_fetches
    proc = subprocess.Popen([HTTPD, "-f", os.path.join(ROOT, "conf/gamehoney.conf"), "-X"],
                            env=srv.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        srv.wait_up()
        # the refresher ran: both providers' keys were fetched
        deadline = time.time() + 10
        while google.jwks_fetches + cognito.jwks_fetches < before + 2:
            assert time.time() < deadline
            time.sleep(0.05)
        assert srv.get("/health/live").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, (proc.returncode, out)
    assert "Segmentation fault" not in out
    assert bad_lines(srv) == []


def test_graceful_stop_leaves_no_crash(workdir, pg, providers):
    srv = Httpd(workdir, "shutdown-graceful", pg).start()
    try:
        assert srv.get("/health/live").status_code == 200
        pid = srv.pid
        srv.httpd("-k", "graceful-stop")
        assert wait_gone(pid)
    finally:
        if srv in Httpd.running:
            Httpd.running.remove(srv)
    assert "caught SIGWINCH, shutting down gracefully" in srv.log_text()
    assert bad_lines(srv) == []
