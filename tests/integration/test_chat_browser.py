"""The seed's chat test page (conf/chat/chat.html, served at /chat/test/) in
a real browser: headless Debian chromium driven by chromedriver.

The page connects as one user and chats with a websocket-client socket of
the test (and with a second tab); what arrives is asserted in the page's
log (#log .entry, data-type = the event type).
"""
import os
import re
import time
from urllib.parse import urlencode

import pytest

from chat_helpers import (chat_event, chat_server, ident, join_event, joined, leave_event,
                          new_room, rows, unknown_room, ws_cleanup)

assert ws_cleanup  # the fixture, imported for pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

MISSING = [name for name, ok in (("chromium", os.path.exists(CHROMIUM)),
                                 ("chromium-driver", os.path.exists(CHROMEDRIVER)),
                                 ("python3-selenium", HAVE_SELENIUM)) if not ok]
pytestmark = pytest.mark.skipif(bool(MISSING), reason="not installed: " + ", ".join(MISSING)
                                + " (scripts/deps installs them)")

PAGE_PATHS = ("/chat/test/chat.html", "/chat/test/")


@pytest.fixture(scope="module")
def srv(make_server):
    return chat_server(make_server)


@pytest.fixture(scope="module")
def page_url(srv):
    """Where httpd serves the page (the Alias may map the directory or the file)."""
    tried = []
    for path in PAGE_PATHS:
        r = srv.get(path)
        tried.append((path, r.status_code))
        if r.status_code == 200 and 'id="connect"' in r.text:
            return srv.url + path
    pytest.fail(f"the chat page is not served: {tried}")


@pytest.fixture(scope="module")
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--window-size=1000,900"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def entries(d):
    return [(e.get_attribute("data-type"), e.text)
            for e in d.find_elements(By.CSS_SELECTOR, "#log .entry")]


def wait_log(d, kind, text, timeout=10):
    """Waits for a log entry of that type containing text."""
    try:
        WebDriverWait(d, timeout, poll_frequency=0.1).until(
            lambda d: any(k == kind and text in t for k, t in entries(d)))
    except Exception:
        raise AssertionError(f"no {kind} entry with {text!r} in the page log: {entries(d)}")


def fill(d, **fields):
    for name, value in fields.items():
        el = d.find_element(By.ID, name)
        el.clear()
        el.send_keys(value)


def open_page(d, url, room, who):
    d.get(url)
    fill(d, room=str(room), **who)
    d.find_element(By.ID, "connect").click()
    wait_log(d, "chat.user.join", who["nickname"])
    assert d.find_element(By.ID, "status").get_attribute("data-state") == "open"


def say(d, text):
    if len(text) > 100:     # typing key by key would be slow
        d.execute_script("document.getElementById('message').value = arguments[0]", text)
    else:
        fill(d, message=text)
    d.find_element(By.ID, "send").click()


def test_the_page_is_served_whole(srv, page_url):
    r = srv.get(page_url[len(srv.url):])
    assert r.headers["Content-Type"].startswith("text/html")
    for el in ("user_id", "nickname", "email", "profile_url", "room", "connect", "message",
               "send", "log"):
        assert f'id="{el}"' in r.text, el
    # no external resources: nothing is fetched from another host
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", r.text, re.I)


def test_the_page_chats_with_another_client(srv, page_url, browser, pg):
    room = new_room(pg)
    me = ident(nickname="브라우저 사용자")
    open_page(browser, page_url, room, me)

    other = ident(nickname="테스트 소켓")
    sock = joined(srv, room, other)
    wait_log(browser, "chat.user.join", "테스트 소켓")

    say(browser, "브라우저에서 안녕하세요!")
    sock.expect(chat_event(me, "브라우저에서 안녕하세요!"))
    wait_log(browser, "chat.message", "브라우저에서 안녕하세요!")       # its own echo

    sock.say("소켓에서 반가워요")
    wait_log(browser, "chat.message", "테스트 소켓")
    wait_log(browser, "chat.message", "소켓에서 반가워요")

    sock.close()
    wait_log(browser, "chat.user.leave", "테스트 소켓")

    stored = [(r["kind"], r["user_id"], r["message"]) for r in rows(pg, room, ["message"])]
    assert stored == [("message", me["user_id"], "브라우저에서 안녕하세요!"),
                      ("message", other["user_id"], "소켓에서 반가워요")]
    browser.find_element(By.ID, "disconnect").click()
    wait_log(browser, "close", "code=1000")


def test_two_tabs_chat(srv, page_url, browser, pg):
    room = new_room(pg)
    a, b = ident(nickname="탭 A"), ident(nickname="탭 B", profile=False)
    watcher = joined(srv, room, ident())
    open_page(browser, page_url, room, a)
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    second = browser.current_window_handle
    open_page(browser, page_url, room, b)
    browser.switch_to.window(first)
    wait_log(browser, "chat.user.join", "탭 B")
    say(browser, "A가 B에게")
    browser.switch_to.window(second)
    wait_log(browser, "chat.message", "A가 B에게")
    say(browser, "B가 A에게")
    browser.switch_to.window(first)
    wait_log(browser, "chat.message", "B가 A에게")
    watcher.expect(join_event(a))
    watcher.expect(join_event(b))
    watcher.expect(chat_event(a, "A가 B에게"))
    watcher.expect(chat_event(b, "B가 A에게"))
    browser.switch_to.window(second)
    browser.close()
    browser.switch_to.window(first)
    wait_log(browser, "chat.user.leave", "탭 B")
    watcher.expect(leave_event(b))


def test_the_page_shows_a_refused_room(srv, page_url, browser, pg):
    browser.get(page_url)
    fill(browser, room=str(unknown_room(pg)), **ident())
    browser.find_element(By.ID, "connect").click()
    wait_log(browser, "close", "code=1006")
    assert browser.find_element(By.ID, "status").get_attribute("data-state") == "closed"


def test_the_page_prefills_from_its_query(srv, page_url, browser, pg):
    room = new_room(pg)
    me = ident(nickname="링크 사용자")
    browser.get(page_url + "?" + urlencode({"room": room, **me}))
    assert browser.find_element(By.ID, "nickname").get_attribute("value") == "링크 사용자"
    browser.find_element(By.ID, "connect").click()
    wait_log(browser, "chat.user.join", "링크 사용자")
    t0 = time.time()
    say(browser, "x" * 2001)                        # too long: an error event, still open
    wait_log(browser, "error", "invalid_message")
    say(browser, "짧게")
    wait_log(browser, "chat.message", "짧게")
    assert time.time() - t0 < 30
