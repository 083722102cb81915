"""The machinery every fake shares (server, recorded requests, scripted
faults), and the request-body helpers of the payment fakes.

Each fake runs a ThreadingHTTPServer on 127.0.0.1 (random port) in a daemon
thread and has:
  .url            base URL, no trailing slash
  .requests       every request received, as Recorded objects (thread-safe)
  .errors         exceptions raised inside the fake's own handlers (should stay [])
  .fail_next(path, kind, count=1)
                  next `count` requests whose path matches answer with a fault:
                  "timeout"   wait .timeout_seconds (30) then answer normally,
                              or drop the connection unanswered if stop() is called
                  "garbage"   200 with a non-JSON body (.garbage_body)
                  "status500" 500 with a JSON body in the service's error shape
                  "close"     close the connection without answering
                  `path` is an exact path, "*" (any path), or, without a
                  leading "/", a suffix: "login-me" matches ".../oauth2/login-me".
  .reset()        forget recorded requests, scripted faults/errors, fetch counters
  .stop()         returns quickly, even while a "timeout" request is waiting
They are also context managers (stop() on exit).
"""
import datetime
import http.server
import json
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from .jose import _json_compact

FAULT_KINDS = ("timeout", "garbage", "status500", "close")


class _Headers(dict):
    """dict of request headers (names as received); lookups ignore case."""

    def _find(self, name):
        if dict.__contains__(self, name):
            return name
        low = name.lower()
        for k in self.keys():
            if k.lower() == low:
                return k
        return None

    def __getitem__(self, name):
        k = self._find(name)
        if k is None:
            raise KeyError(name)
        return dict.__getitem__(self, k)

    def get(self, name, default=None):
        k = self._find(name)
        return default if k is None else dict.__getitem__(self, k)

    def __contains__(self, name):
        return self._find(name) is not None


class Recorded:
    """One received request. Unpacks as (method, path, headers, body)."""

    def __init__(self, method, target, headers, body, peer_cert=None):
        split = urlsplit(target)
        self.method = method
        self.target = target          # path with query string, as sent
        self.path = split.path
        self.query = split.query
        self.headers = headers        # _Headers (case-insensitive lookups)
        self.body = body              # raw bytes
        self.peer_cert = peer_cert    # TLS client certificate (getpeercert() dict) or None
        self.time = time.time()

    def __iter__(self):
        return iter((self.method, self.path, self.headers, self.body))

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}

    def __repr__(self):
        return f"<Recorded {self.method} {self.target} {len(self.body)}B>"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, fake, ssl_context=None):
        self.fake = fake
        self.ssl_context = ssl_context
        super().__init__(addr, handler)

    def server_bind(self):
        # HTTPServer.server_bind() would do a reverse DNS lookup; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            # The handshake runs in the handler thread (see _Handler.setup),
            # so a stalled client cannot block accept().
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        self.fake._note_exception(sys.exc_info()[1])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120           # idle keep-alive connections
    fake = None             # set per fake by subclassing

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
        self.fake._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.fake._track(self.connection, False)

    def log_message(self, *args):
        pass

    def _any(self):
        self.fake._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _any


class _Fake:
    """Common machinery. Subclasses set state, then call self._start()."""

    scheme = "http"
    content_type = "application/json"
    service = "fake"

    def __init__(self):
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._stopped = False
        self._conns = set()
        self._faults = []             # [key, kind, remaining]
        self.requests = []
        self.errors = []
        self.tls_errors = []
        self.timeout_seconds = 30.0
        self.garbage_body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    # -- lifecycle -------------------------------------------------------
    def _ssl_context(self):
        return None

    def _start(self):
        handler = type(f"{type(self).__name__}Handler", (_Handler,), {"fake": self})
        self._httpd = _Server(("127.0.0.1", 0), handler, self, self._ssl_context())
        self.host = "127.0.0.1"
        self.port = self._httpd.server_address[1]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}:{self.port}", daemon=True)
        self._thread.start()

    def stop(self):
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            self._shutdown_sock(c)
        self._thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @staticmethod
    def _shutdown_sock(sock):
        try:
            # socket.socket.shutdown on purpose: SSLSocket.shutdown would also
            # drop its SSL object under a thread that may be reading from it.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def _track(self, conn, add):
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)
        if add and self._stopping.is_set():
            self._shutdown_sock(conn)

    def _note_exception(self, exc):
        if isinstance(exc, ssl.SSLError):
            with self._lock:
                self.tls_errors.append(repr(exc))
        elif isinstance(exc, (ConnectionError, TimeoutError, BrokenPipeError)) or exc is None:
            pass
        elif isinstance(exc, OSError) and self._stopping.is_set():
            pass
        else:
            with self._lock:
                self.errors.append("".join(traceback.format_exception(exc)))

    # -- scripting ---------------------------------------------------------
    def fail_next(self, path, kind, count=1):
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        with self._lock:
            self._faults.append([path, kind, int(count)])

    def reset(self):
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self.errors.clear()
            self.tls_errors.clear()
            self._reset_extra()

    def _reset_extra(self):
        pass

    @staticmethod
    def _path_matches(key, path):
        if key == "*" or key == path:
            return True
        return not key.startswith("/") and path.endswith("/" + key)

    def _take_fault(self, path):
        with self._lock:
            for entry in self._faults:
                if entry[2] > 0 and self._path_matches(entry[0], path):
                    entry[2] -= 1
                    kind = entry[1]
                    self._faults = [e for e in self._faults if e[2] > 0]
                    return kind
        return None

    def requests_to(self, path, method=None):
        """Recorded requests whose path matches (same rules as fail_next)."""
        with self._lock:
            return [r for r in self.requests if self._path_matches(path, r.path)
                    and (method is None or r.method == method)]

    # -- request handling ---------------------------------------------------
    def _read_body(self, h):
        te = (h.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = h.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(h.rfile.read(size))
                h.rfile.readline(65537)
            return b"".join(chunks)
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n > 0 else b""

    def _serve(self, h):
        try:
            body = self._read_body(h)
        except (ValueError, OSError):
            h.close_connection = True
            return
        peer = None
        if isinstance(h.connection, ssl.SSLSocket):
            try:
                peer = h.connection.getpeercert()
            except (ValueError, OSError):
                peer = None
        rec = Recorded(h.command, h.path, _Headers(h.headers.items()), body, peer)
        with self._lock:
            self.requests.append(rec)
        self._on_request(rec)

        kind = self._take_fault(rec.path)
        if kind == "timeout":
            if self._stopping.wait(self.timeout_seconds):
                self._drop(h)
                return
            kind = None
        if kind == "close":
            self._drop(h)
            return
        if kind == "garbage":
            self._send(h, 200, self.garbage_body, {})
            return
        if kind == "status500":
            self._send(h, 500, self._error500(), {})
            return
        try:
            status, payload, headers = self._dispatch(rec)
        except Exception as exc:          # a bug in the fake: answer 500, keep a trace
            self._note_exception(exc)
            status, payload, headers = 500, self._error500(), {}
        if payload is None:
            self._drop(h)
            return
        self._send(h, status, payload, headers)

    def _drop(self, h):
        h.close_connection = True
        self._shutdown_sock(h.connection)

    def _send(self, h, status, payload, headers):
        if isinstance(payload, (dict, list)):
            payload = _json_compact(payload)
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        hdrs = {"Content-Type": self.content_type}
        hdrs.update(headers or {})
        try:
            h.send_response(status)
            for k, v in hdrs.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            h.wfile.flush()
        except OSError:
            h.close_connection = True

    # subclass hooks
    def _on_request(self, rec):
        pass

    def _dispatch(self, rec):
        raise NotImplementedError

    def _error500(self):
        return {"error": "internal"}


# --------------------------------------------------------------------------
# Helpers of the payment fakes (Toss Payments, Payaction)
# --------------------------------------------------------------------------

KST = datetime.timezone(datetime.timedelta(hours=9))


def kst_iso(ts=None):
    """ISO 8601 with +09:00, seconds precision, as Toss sends times."""
    return datetime.datetime.fromtimestamp(time.time() if ts is None else ts, KST) \
        .isoformat(timespec="seconds")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _json_object(rec):
    """The request body as a dict, or None (wrong Content-Type, bad JSON, not an object)."""
    ctype = (rec.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return None
    try:
        body = json.loads(rec.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
