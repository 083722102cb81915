"""/metrics (Prometheus text) and /server-status: figures shared by both
children through shared memory, kept across a graceful restart and reset
by a full one; and the access log's request id and error code."""
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts_helpers import REDIRECT, google_login, uniq
from chat_helpers import joined, new_room, ws_cleanup
from conftest import PASSWORD, USER, client_from

assert ws_cleanup  # the fixture, imported for pytest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FAMILIES = {
    "gamehoney_requests_total": "counter",
    "gamehoney_request_duration_seconds": "histogram",
    "gamehoney_db_acquire_seconds": "histogram",
    "gamehoney_db_acquire_failures_total": "counter",
    "gamehoney_db_errors_total": "counter",
    "gamehoney_batch_items": "histogram",
    "gamehoney_upstream_calls_total": "counter",
    "gamehoney_upstream_duration_seconds": "histogram",
    "gamehoney_jwks_age_seconds": "gauge",
    "gamehoney_chat_sockets_open": "gauge",
    "gamehoney_chat_delivery_lag_seconds": "histogram",
    "gamehoney_chat_events_dropped_total": "counter",
    "gamehoney_ratelimit_refusals_total": "counter",
    "gamehoney_metrics_start_time_seconds": "gauge",
}
# /api/health allows two requests per address per 10 minutes here
LIMITED = "<Location /api/health>\n    GameHoneyRequestLimit 2 600\n</Location>\n"

# ------------------------------------------------------------------ a strict parser

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
VALUE = re.compile(r"^(?:[+-]?Inf|NaN|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$")
UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        assert m, f"bad labels at {pos}: {text!r}"
        assert m.group(1) not in labels, f"label {m.group(1)} twice"
        labels[m.group(1)] = re.sub(r"\\[\\\"n]", lambda e: UNESCAPE[e.group(0)], m.group(2))
        pos = m.end()
        if pos < len(text):
            assert text[pos] == ",", f"no comma at {pos}: {text!r}"
            pos += 1
    return labels


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return name


def parse(text):
    """(types, samples): types by family, samples by (name, sorted labels).
    Fails on anything the text format 0.0.4 does not allow."""
    assert text.endswith("\n")
    helped, types, samples = set(), {}, {}
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name, help_text = line[7:].split(" ", 1)
            assert re.fullmatch(NAME, name) and help_text and name not in helped, line
            helped.add(name)
        elif line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            assert name in helped and name not in types, line
            types[name] = kind
        else:
            m = SAMPLE.match(line)
            assert m and VALUE.match(m.group(3)), line
            name, labels = m.group(1), parse_labels(m.group(2) or "")
            family = family_of(name, types)
            assert family in types, f"sample before its TYPE: {line}"
            assert types[family] != "counter" or name.endswith("_total"), line
            key = (name, tuple(sorted(labels.items())))
            assert key not in samples, f"duplicate series: {line}"
            samples[key] = float(m.group(3))
    check_histograms(types, samples)
    return types, samples


def check_histograms(types, samples):
    for family in (f for f, t in types.items() if t == "histogram"):
        series = {}
        for (name, labels), v in samples.items():
            if name == family + "_bucket":
                rest = tuple(kv for kv in labels if kv[0] != "le")
                le = dict(labels)["le"]
                series.setdefault(rest, []).append((float(le), v))
        for rest, buckets in series.items():
            values = [v for _, v in sorted(buckets)]
            assert values == sorted(values), f"{family}{rest} buckets are not cumulative"
            assert sorted(buckets)[-1][0] == float("inf")
            assert samples[(family + "_count", rest)] == values[-1]
            assert (family + "_sum", rest) in samples


class Metrics:
    def __init__(self, srv):
        r = srv.get("/metrics")
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == CONTENT_TYPE
        self.types, self.samples = parse(r.text)

    def __call__(self, name, **labels):
        """The value of one series; 0 for a labelled series not yet shown."""
        return self.samples.get((name, tuple(sorted(labels.items()))), 0)


def stable_part(m):
    return {k: v for k, v in m.samples.items() if ("area", "metrics") not in k[1]
            and not k[0].startswith(("gamehoney_jwks_age", "gamehoney_metrics_"))}


def settled(srv, timeout=10):
    """The figures once they stop moving: a request is counted when it is
    logged, which is just after its client has the answer."""
    deadline = time.time() + timeout
    last = Metrics(srv)
    while True:
        time.sleep(0.1)
        now = Metrics(srv)
        if stable_part(now) == stable_part(last) or time.time() > deadline:
            return now
        last = now


def live_2xx(m, path="/live", area="health"):
    return m("gamehoney_requests_total", area=area, route=path, **{"class": "2xx"})


@pytest.fixture(scope="module")
def srv(make_server):
    return make_server("metrics", LIMITED)


def fresh_get(srv, path):
    # a new connection each time, so the requests spread over the children
    with requests.Session() as s:
        return s.get(srv.url + path, timeout=10)


def pids_serving(srv, marker):
    with open(srv.access_log) as f:
        return {m.group(1) for line in f if marker in line
                for m in [re.search(r" pid=(\d+) ", line)] if m}

# ------------------------------------------------------------------ the tests


def test_text_format_has_every_family(srv):
    r = srv.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == CONTENT_TYPE
    assert r.headers["Cache-Control"] == "no-store"
    types, samples = parse(r.text)
    assert types == FAMILIES
    assert ("gamehoney_db_errors_total", (("kind", "conflict"),)) in samples
    assert srv.request("HEAD", "/metrics").status_code == 200


def test_metrics_is_get_only_and_has_no_subpaths(srv):
    r = srv.post("/metrics", data="x")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert r.json()["error"] == "method_not_allowed"
    assert srv.get("/metrics/other").json()["error"] == "not_found"


def test_seven_requests_count_seven_on_their_route(srv):
    before = settled(srv)
    for _ in range(7):
        assert fresh_get(srv, "/health/live").status_code == 200
    after = settled(srv)
    assert live_2xx(after) - live_2xx(before) == 7
    count = "gamehoney_request_duration_seconds_count"
    assert after(count, area="health") - before(count, area="health") == 7
    inf = after("gamehoney_request_duration_seconds_bucket", area="health", le="+Inf")
    assert inf == after(count, area="health")
    assert after("gamehoney_request_duration_seconds_sum", area="health") > 0


def test_both_children_count_into_the_same_figures(srv):
    assert len(srv.children()) >= 2
    marker, sent = uuid.uuid4().hex, 0
    before = settled(srv)
    with ThreadPoolExecutor(8) as pool:
        for _ in range(10):                 # until both children have served
            codes = list(pool.map(lambda _: fresh_get(srv, f"/health/live?m={marker}")
                                  .status_code, range(40)))
            assert codes == [200] * 40
            sent += 40
            if len(pids_serving(srv, marker)) >= 2:
                break
    assert len(pids_serving(srv, marker)) >= 2
    assert live_2xx(settled(srv)) - live_2xx(before) == sent


def test_404_is_unmatched_and_405_counts_on_its_route(srv):
    before = settled(srv)
    assert srv.get("/health/nowhere").status_code == 404
    assert srv.post("/health/live", data="").status_code == 405
    after = settled(srv)

    def delta(route):
        labels = {"area": "health", "route": route, "class": "4xx"}
        return after("gamehoney_requests_total", **labels) - \
            before("gamehoney_requests_total", **labels)
    assert (delta("unmatched"), delta("/live"), delta("/")) == (1, 1, 0)


def test_routes_with_captures_are_labelled_by_pattern(srv):
    before = settled(srv)
    assert srv.get("/chat/v1/room/999999999/messages/").status_code == 404
    after = settled(srv)
    series = {k: v for k, v in after.samples.items() if k[0] == "gamehoney_requests_total"
              and dict(k[1])["area"] == "chat" and v != before.samples.get(k, 0)}
    assert len(series) == 1, series
    route = dict(next(iter(series))[1])["route"]
    assert route == "/room/{room_id}/messages/"


def test_upstream_calls_count_by_provider_and_outcome(srv, google):
    before = settled(srv)
    r, _ = google_login(srv, google)
    assert r.status_code == 200, r.text
    r = srv.post("/api/auth/google/login",
                 json={"code": uniq("never-issued"), "redirect_uri": REDIRECT})
    assert r.status_code == 401
    after = settled(srv)
    calls = "gamehoney_upstream_calls_total"
    for outcome in ("ok", "http_4xx"):
        assert after(calls, provider="google", outcome=outcome) - \
            before(calls, provider="google", outcome=outcome) == 1, outcome
    count = "gamehoney_upstream_duration_seconds_count"
    assert after(count, provider="google") - before(count, provider="google") == 2


def test_jwks_age_is_published(srv):
    deadline = time.time() + 15
    while True:
        age = Metrics(srv)("gamehoney_jwks_age_seconds", provider="google-jwks")
        if age or time.time() > deadline:
            break
        time.sleep(0.2)
    assert 0 < age < 3600


def test_rate_limit_refusals_are_counted(srv):
    before = settled(srv)
    s = client_from("127.0.0.77")
    codes = [s.get(srv.url + "/api/health/live", timeout=10).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    after = settled(srv)
    refusals = "gamehoney_ratelimit_refusals_total"
    assert after(refusals, kind="requests") - before(refusals, kind="requests") == 1
    assert after(refusals, kind="auth_failures") == before(refusals, kind="auth_failures")
    assert after("gamehoney_requests_total", area="health", route="/live", **{"class": "4xx"}) \
        - before("gamehoney_requests_total", area="health", route="/live", **{"class": "4xx"}) == 1


def test_database_and_batch_figures_move(srv, user):
    before = settled(srv)
    assert srv.get("/health").status_code == 200
    key, _ = user()
    r = srv.post("/api/auth/disconnect-callback", auth=(USER, PASSWORD), json={"userKey": key})
    assert r.status_code == 200
    after = settled(srv)
    wait = "gamehoney_db_acquire_seconds_count"
    assert after(wait) - before(wait) >= 2
    assert after("gamehoney_batch_items_count") - before("gamehoney_batch_items_count") == 1
    assert after("gamehoney_batch_items_sum") - before("gamehoney_batch_items_sum") == 1


def sockets_open(srv):
    return Metrics(srv)("gamehoney_chat_sockets_open")


def wait_for(fn, want, timeout=10):
    deadline = time.time() + timeout
    while fn() != want and time.time() < deadline:
        time.sleep(0.1)
    return fn()


def test_chat_sockets_gauge_goes_up_and_down(srv, pg):
    room = new_room(pg)
    before = settled(srv)
    a = joined(srv, room)
    b = joined(srv, room)
    assert sockets_open(srv) == before("gamehoney_chat_sockets_open") + 2
    lag = "gamehoney_chat_delivery_lag_seconds_count"
    assert settled(srv)(lag) - before(lag) >= 2       # each socket got its own join
    a.close()
    assert wait_for(lambda: sockets_open(srv), before("gamehoney_chat_sockets_open") + 1) \
        == before("gamehoney_chat_sockets_open") + 1
    b.close()
    assert wait_for(lambda: sockets_open(srv), before("gamehoney_chat_sockets_open")) \
        == before("gamehoney_chat_sockets_open")
    after = settled(srv)
    ws = {"area": "chat-ws", "route": "/{room_id}/chat/", "class": "1xx"}
    assert after("gamehoney_requests_total", **ws) - before("gamehoney_requests_total", **ws) == 2


def test_server_status_shows_the_same_figures(srv):
    assert fresh_get(srv, "/health/live").status_code == 200
    want = live_2xx(settled(srv))
    r = srv.get("/server-status?auto")
    assert r.status_code == 200
    lines = dict(line.split(": ", 1) for line in r.text.splitlines() if ": " in line)
    key = 'gamehoney_requests_total{area="health",route="/live",class="2xx"}'
    assert float(lines[key]) == want
    assert "gamehoney_chat_sockets_open" in lines
    html = srv.get("/server-status").text
    assert "<h2>mod_gamehoney</h2>" in html
    assert "gamehoney_requests_total{area=&quot;health&quot;" in html


def test_access_log_has_request_id_and_error_code(srv):
    marker = uuid.uuid4().hex
    assert srv.get(f"/health/nowhere?m={marker}").status_code == 404
    assert srv.get(f"/health/live?m={marker}").status_code == 200
    deadline = time.time() + 5
    while True:
        with open(srv.access_log) as f:
            lines = [line for line in f if marker in line]
        if len(lines) == 2 or time.time() > deadline:
            break
        time.sleep(0.1)
    missing, found = lines
    assert re.search(r" id=[A-Za-z0-9@_-]{20,} err=not_found$", missing.rstrip("\n")), missing
    assert re.search(r" id=[A-Za-z0-9@_-]{20,} err=-$", found.rstrip("\n")), found


def test_graceful_restart_keeps_the_figures_and_a_full_restart_resets_them(make_server):
    own = make_server("metrics-restart")
    for _ in range(5):
        assert fresh_get(own, "/health/live").status_code == 200
    before = settled(own)
    started = before("gamehoney_metrics_start_time_seconds")
    assert live_2xx(before) >= 5

    own.graceful()
    # one more; the first request after a graceful restart may take about
    # 2 s (as before this module had metrics), beyond wait_up's 1 s
    assert own.get("/health/live").status_code == 200
    kept = settled(own)
    assert kept("gamehoney_metrics_start_time_seconds") == started
    assert live_2xx(kept) == live_2xx(before) + 1
    assert fresh_get(own, "/health/live").status_code == 200
    assert live_2xx(settled(own)) == live_2xx(before) + 2

    # documented: a full stop and start begins again from zero
    own.stop()
    own.start()
    fresh = settled(own)
    assert fresh("gamehoney_metrics_start_time_seconds") > started
    assert live_2xx(fresh) == 1             # start()'s own /health/live
