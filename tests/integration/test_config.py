"""Configuration: every directive is checked when httpd reads it."""
import glob
import os
import re
import subprocess

import pytest

from accounts_helpers import bearer, forge_session
from conftest import HTTPD, ROOT, Httpd

def directive_names():
    """Every directive the module declares, read from the parts' command
    tables (each concern's *_cfg.h, gh_config.h, area headers)."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, "modules", "*.h")):
        with open(path) as f:
            names.update(re.findall(r'(?:AP_INIT_\w+|GH_CFG_\w+)\("(GameHoney[A-Za-z]+)"',
                                    f.read()))
    return sorted(names)


DIRECTIVES = directive_names()


@pytest.fixture
def config_check(workdir, pg):
    """Runs `httpd -t` on the project's conf plus an override snippet."""
    def check(name, overrides="", env=None, unset=()):
        srv = Httpd(workdir, "conf-" + name, pg, overrides, env)
        for var in unset:
            srv.env.pop(var, None)
        return srv.httpd("-t", check=False)
    return check


def test_project_conf_is_valid(config_check):
    r = config_check("ok")
    assert r.returncode == 0, r.stderr
    assert "Syntax OK" in r.stderr


def test_unset_password_refuses_to_start(config_check):
    r = config_check("nopass", unset=["TOSS_DISCONNECT_CALLBACK_PASSWORD"])
    assert r.returncode != 0
    assert ("GameHoneyAuthPassword is empty or names an environment variable that is not set"
            in r.stderr)


def test_unset_audit_key_refuses_to_start(config_check):
    r = config_check("noaudit", unset=["GAMEHONEY_AUDIT_KEY"])
    assert r.returncode != 0
    assert "GameHoneyAuditKey is empty or names an environment variable" in r.stderr


@pytest.mark.parametrize("line,message", [
    ("GameHoneyUnlinkMode purge", "GameHoneyUnlinkMode takes 'delete' or 'deactivate'"),
    ("GameHoneyMaxBody 0", "GameHoneyMaxBody takes a positive number of bytes"),
    ("GameHoneyMaxBody 12k", "GameHoneyMaxBody takes a positive number of bytes"),
    ("GameHoneyAuthFailLimit -1 600", "GameHoneyAuthFailLimit takes <count> <seconds>"),
    ("GameHoneyAuthFailLimit 5 0", "GameHoneyAuthFailLimit takes <count> <seconds>"),
    ("GameHoneyRequestLimit 100 1h", "GameHoneyRequestLimit takes <count> <seconds>"),
    ("GameHoneyAuthUser ${NO_SUCH_VARIABLE}", "GameHoneyAuthUser is empty or names an"),
])
def test_bad_directive_values_are_refused(config_check, line, message):
    r = config_check("bad", f"<Location /api/auth/disconnect-callback>\n    {line}\n</Location>\n")
    assert r.returncode != 0
    assert message in r.stderr


def test_a_provider_variable_not_exported_refuses_to_start(config_check):
    r = config_check("unexported", unset=["TOSS_SECRET_KEY"])
    assert r.returncode != 0
    assert ("GameHoneyTossPaymentsSecretKey names an environment variable that is not set "
            "(export it, empty to leave this unset)") in r.stderr


def test_a_provider_directive_given_too_much_is_refused(config_check):
    r = config_check("two", 'GameHoneyGoogleClientID "a" "b"\n')
    assert r.returncode != 0
    assert "GameHoneyGoogleClientID takes one argument" in r.stderr


def test_an_empty_provider_secret_leaves_its_routes_not_configured(make_server, user):
    srv = make_server("no-payments", 'GameHoneyTossPaymentsSecretKey ""\n')
    _, uid = user()                 # the token's user must exist, whatever ran before
    r = srv.post("/api/payments/payment/prepare", json={"amount": 1000, "order_name": "x"},
                 headers=bearer(forge_session(sub=str(uid))))
    assert r.status_code == 503
    assert r.json() == {"error": "not_configured", "message":
                        "Payments: not configured on this server; set "
                        "GameHoneyTossPaymentsSecretKey (TOSS_SECRET_KEY)."}
    assert "Payments: not configured; its routes answer 503" in srv.log_text()


def test_short_audit_key_is_refused(config_check):
    r = config_check("shortkey", env={"GAMEHONEY_AUDIT_KEY": "short"})
    assert r.returncode != 0
    assert "GameHoneyAuditKey must be at least 16 characters" in r.stderr


def test_unknown_socache_provider_is_refused(workdir, pg):
    srv = Httpd(workdir, "conf-socache", pg, "GameHoneyRateLimitCache nosuch\n")
    r = srv.httpd("-DFOREGROUND", check=False)
    assert r.returncode != 0
    assert "socache provider 'nosuch' is not loaded" in srv.log_text()


def test_every_directive_is_documented():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    for name in DIRECTIVES:
        assert f"`{name}" in readme, name


def test_every_directive_has_help_text(workdir):
    """httpd -L lists each directive with its help string."""
    conf = os.path.join(workdir, "directives.conf")
    with open(conf, "w") as f:
        f.write(f"ServerRoot {workdir}\nServerName localhost\nErrorLog /dev/null\n"
                "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
                f"LoadModule gamehoney_module {os.path.join(ROOT, '.libs', 'mod_gamehoney.so')}\n")
    out = subprocess.run([HTTPD, "-f", conf, "-L"], capture_output=True, text=True).stdout
    for name in DIRECTIVES:
        entry = out.split(name + " (mod_gamehoney.c)\n", 1)
        assert len(entry) == 2, name
        assert len(entry[1].splitlines()[0].strip()) > 20, name
