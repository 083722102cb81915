"""A PostgreSQL outage under load writes a bounded number of error_log
lines: the module stops asking mod_dbd for connections once none can be
had (so mod_dbd's own AH00629/AH00630/AH00633 lines stop too), probes the
server with PQping instead, and says "still unavailable" once per interval
with a count (gh_dbhealth.c)."""
import re
import threading
import time

import requests

from conftest import until_ok

OUTAGE_SECONDS = 4
MAX_LINES = 50
# everything the outage may log, and nothing else
EXPECTED = re.compile(
    r"\[dbd:error\].*(AH00629|AH00630|AH00633|AH00639|AH02655)"
    r"|\[gamehoney:error\].*(database unavailable: |database still unavailable after "
    r"|database connection lost during )"
    r"|\[gamehoney:(warn|notice|info)\]")


def test_outage_under_load_logs_a_bounded_count(server, pg, log_allow):
    log_allow(EXPECTED.pattern)
    stop = threading.Event()
    answers = []

    def load():
        s = requests.Session()
        while not stop.is_set():
            try:
                r = s.get(server.url + "/chat/v1/rooms/", timeout=10)
                answers.append(r.status_code)
            except requests.RequestException:
                answers.append(0)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        pg.stop()
        try:
            time.sleep(OUTAGE_SECONDS)
        finally:
            pg.start()
        until_ok(lambda: server.get("/chat/v1/rooms/"), timeout=20)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    lines = server.new_log().splitlines()
    refused = answers.count(503)
    assert refused > 100, answers          # the load did meet the outage
    assert set(answers) <= {200, 503}, set(answers)
    unexpected = [line for line in lines if not EXPECTED.search(line)]
    assert unexpected == []
    assert len(lines) < MAX_LINES, "\n".join(lines)
    # the module said it was down, and that it was back, with the counts
    text = "\n".join(lines)
    assert re.search(r"database unavailable: ", text)
    assert re.search(r"database reachable again after [\d.]+ s; \d+ requests were answered 503",
                     text)
    assert server.get("/chat/v1/rooms/").status_code == 200
