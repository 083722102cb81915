"""Stand-ins for the outbound-client tests (test_outbound.py): an upstream
whose answers are scripted per path and that records every request, and a
forwarding HTTP proxy that counts what it forwarded.

Both close the connection after each answer (HTTP/1.0), so that libcurl
never reuses one: it silently resends a request whose reused connection
died, which would blur the count of the module's own tries.
"""
import http.client
import http.server
import json
import threading
import time
from urllib.parse import urlsplit


class Answer:
    """One scripted answer: a status, a JSON (dict) or bytes body, headers,
    a delay before it, or (close=True) a connection closed unanswered."""

    def __init__(self, status=200, body=b"", headers=None, delay=0.0, close=False):
        self.status = status
        self.body = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        self.headers = dict(headers or {})
        self.delay = delay
        self.close = close


class Seen:
    def __init__(self, method, path, headers, body):
        self.at = time.monotonic()
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _reply(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Base:
    def _start(self, serve):
        """Serves GET and POST with serve(handler) on a port of its own."""
        class Handler(_Handler):
            def do_GET(self):
                serve(self)

            do_POST = do_GET

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Upstream(_Base):
    """Answers a path with its script, in order, then with its default (404
    when it has none)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._script = {}
        self._default = {}
        self.requests = []
        self._start(self._serve)

    def answer(self, path, *answers, default=None):
        """The next answers to path, then default for every later request."""
        with self._lock:
            self._script[path] = list(answers)
            if default is not None:
                self._default[path] = default

    def seen(self, path=None, method=None):
        with self._lock:
            return [r for r in self.requests if (path is None or r.path == path)
                    and (method is None or r.method == method)]

    def _serve(self, h):
        body = h._body()
        path = urlsplit(h.path).path
        with self._lock:
            self.requests.append(Seen(h.command, path, dict(h.headers), body))
            script = self._script.get(path) or []
            a = script.pop(0) if script else self._default.get(path) or Answer(404, {"code": "NOT_FOUND"})
        if a.delay:
            time.sleep(a.delay)
        if a.close:
            h.close_connection = True
            return
        h._reply(a.status, a.body, {"Content-Type": "application/json", **a.headers})


HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "proxy-authorization",
              "te", "trailer", "transfer-encoding", "upgrade"}


class ForwardingProxy(_Base):
    """An HTTP proxy for http:// targets (absolute-form requests): forwards
    each, adds a Via header, and records the URLs it forwarded."""

    VIA = "1.1 gamehoney-test-proxy"

    def __init__(self):
        self._lock = threading.Lock()
        self.forwarded = []
        self._start(self._forward)

    def urls(self):
        with self._lock:
            return list(self.forwarded)

    def _forward(self, h):
        body = h._body()
        target = urlsplit(h.path)
        if target.scheme != "http" or not target.hostname:
            h._reply(400, b"absolute http:// URL expected", {})
            return
        with self._lock:
            self.forwarded.append(h.path)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Via"] = self.VIA
        conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10)
        try:
            conn.request(h.command, target.path + (f"?{target.query}" if target.query else ""),
                         body=body or None, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            h._reply(resp.status, payload, {k: v for k, v in resp.getheaders()
                                            if k.lower() not in HOP_BY_HOP | {"content-length"}})
        except OSError:
            h._reply(502, b"upstream unreachable", {})
        finally:
            conn.close()
