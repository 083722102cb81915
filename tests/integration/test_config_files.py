"""File directives (GameHoneyHTTPCAFile, GameHoneyTossClientCert and
GameHoneyTossClientKey) are resolved against ServerRoot and checked when
httpd starts (issue 12 §2)."""
import os

import pytest

from accounts_helpers import toss_login
from conftest import ROOT, Httpd


def relative_to_server_root(path):
    """path as the conf would name it relative to ServerRoot (the repo)."""
    return os.path.relpath(path, ROOT)


def test_relative_file_directives_resolve_against_server_root(make_server, toss, pg):
    rel = {name: relative_to_server_root(getattr(toss, name))
           for name in ("client_cert_file", "client_key_file", "ca_file")}
    assert not any(os.path.isabs(p) for p in rel.values())
    srv = make_server("relative-files",
                      f'GameHoneyTossClientCert "{rel["client_cert_file"]}"\n'
                      f'GameHoneyTossClientKey "{rel["client_key_file"]}"\n'
                      f'GameHoneyHTTPCAFile "{rel["ca_file"]}"\n')
    r, profile = toss_login(srv, toss, toss.sample_profile())
    assert r.status_code == 200, r.text
    assert pg.scalar("SELECT count(*) FROM users WHERE toss_user_key = %s",
                     (profile["userKey"],)) == 1


@pytest.mark.parametrize("directive", ["GameHoneyHTTPCAFile", "GameHoneyTossClientCert",
                                       "GameHoneyTossClientKey"])
def test_a_file_that_cannot_be_read_refuses_to_start(workdir, pg, directive):
    srv = Httpd(workdir, "conf-nofile-" + directive, pg,
                f'{directive} "no/such/file.pem"\n')
    r = srv.httpd("-DFOREGROUND", check=False)
    assert r.returncode != 0
    missing = os.path.join(ROOT, "no/such/file.pem")
    assert f"{missing} cannot be read" in srv.log_text()
