"""`make run` as a user starts it: its own session, its own var dir and
ports, stopped with the SIGINT that Ctrl-C sends."""
import os
import re
import signal
import subprocess
import time

import requests

from conftest import BAD_LOG, ROOT, free_port

# What a developer's shell may carry that would change what `make run` does.
PROVIDER_VARIABLES = (
    "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_TOKEN_URL", "GOOGLE_JWKS_URL",
    "COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_CLIENT_SECRET",
    "COGNITO_ENDPOINT", "COGNITO_ISSUER", "TOSS_LOGIN_URL", "TOSS_LOGIN_CERT", "TOSS_LOGIN_KEY",
    "TOSS_DECRYPT_KEY", "TOSS_DECRYPT_AAD", "GAMEHONEY_HTTP_CA_FILE", "TOSS_API_URL",
    "TOSS_SECRET_KEY", "TOSS_CLIENT_KEY", "PAYACTION_URL", "PAYACTION_API_KEY",
    "PAYACTION_MALL_ID", "PAYACTION_WEBHOOK_KEY", "DEPOSIT_BANK", "DEPOSIT_ACCOUNT",
    "GAMEHONEY_SANDBOX", "DATABASE_URL", "TOSS_DISCONNECT_CALLBACK_PASSWORD",
    "GAMEHONEY_AUDIT_KEY", "GAMEHONEY_SESSION_KEY", "GAMEHONEY_SESSION_KID",
    "GAMEHONEY_HTTP_PROXY",
)


def gone(pid):
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True


class MakeRun:
    def __init__(self, var, **env):
        self.var = var
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in PROVIDER_VARIABLES}
        self.env.update(GAMEHONEY_PORT=str(self.port), GAMEHONEY_PG_PORT=str(free_port()),
                        GAMEHONEY_VAR_DIR=var)
        self.env.update(env)
        self.output = None
        self.allowed = []       # regexes of error_log lines a test expects

    def __enter__(self):
        self.proc = subprocess.Popen(["make", "-s", "run"], cwd=ROOT, env=self.env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                requests.get(self.url + "/health/live", timeout=1)
                return self
            except requests.ConnectionError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"make run never answered:\n{self.output}")

    def pids(self):
        with open(os.path.join(self.var, "run", "httpd.pid")) as f:
            httpd = int(f.read())
        with open(os.path.join(self.var, "pg", "data", "postmaster.pid")) as f:
            pg = int(f.readline())
        return httpd, pg

    def sandbox_pid(self):
        with open(os.path.join(self.var, "sandbox", "pid")) as f:
            return int(f.read())

    def stop(self):
        if self.output is None:
            os.killpg(self.proc.pid, signal.SIGINT)          # what Ctrl-C sends
            self.output, _ = self.proc.communicate(timeout=60)
        return self.output

    def __exit__(self, *exc):
        self.stop()

    def error_log_problems(self):
        with open(os.path.join(self.var, "log", "error_log"), encoding="utf-8",
                  errors="replace") as f:
            return [line for line in f if BAD_LOG.search(line)
                    and not any(re.search(p, line) for p in self.allowed)]

    def token(self, *args):
        """`make -s token ARGS...` against this instance: (returncode, stdout, stderr)."""
        r = subprocess.run(["make", "-s", "token", *args], cwd=ROOT, env=self.env,
                           capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout.strip(), r.stderr
