#!/usr/bin/env python3
"""Tries a Tether server as an attacker and a careless client would, and counts what did not hold.

Starts its own server from a jar (fresh data directory, free port), so two builds can be compared
in one run:

    probes/hardening.py --jar tether-cli/target/tether.jar            # every group
    probes/hardening.py --jar /tmp/old.jar --only malformed,access     # some groups
    probes/hardening.py --jar ... --slow-seconds 40                    # how long half-sent requests wait

Groups (each prints its counts; the last line is a JSON summary):
  malformed  a corpus of malformed requests on every POST route and a few raw ones: sent, 5xx,
             answers naming internal classes
  access     one attempt per hole of issue 8 section 1 and 2: wrong accepts
  race       50 concurrent disconnects of one connection: how many were accepted (1 is right)
  websocket  bad frames on the attach WebSocket: the close codes, and input over the queue limit
  crash      kill -9 during a disconnect-all over attached sessions, restart: requests left RUNNING
  flood      500 wrong log-ons, 50 at a time: server RSS before and after, 429s, and how long a
             correct log-on from the same client took meanwhile
  slow       100 half-sent requests: how many the server still holds open after --slow-seconds
  honest     issue 8 section 6: requests while a server starts (unanswered ones), a second serve on
             the same data directory, a serve on a port in use (files it leaves), /events with no
             since (events replayed), GET /requests/N?timeout=abc

Python 3 standard library only; the server's JVM options are bin/tether's.
"""
import argparse, base64, json, os, signal, socket, subprocess, sys, tempfile, threading, time

JVM = ["--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
       "-XX:+UseG1GC", "-Xms16m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:G1PeriodicGCInterval=5000"]


def java():
    for d in sorted(os.listdir("/usr/lib/jvm")):
        j = os.path.join("/usr/lib/jvm", d, "bin", "java")
        if "25" in d and os.access(j, os.X_OK):
            return j
    return "java"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, jar, data_dir=None, port=None, extra=()):
        self.jar, self.port = jar, port or free_port()
        self.dir = data_dir or tempfile.mkdtemp(prefix="tether-probe-")
        self.extra = list(extra)
        self.start()

    def start(self):
        self.log = open(os.path.join(self.dir, "..", os.path.basename(self.dir) + ".log"), "ab")
        self.proc = subprocess.Popen([java(), *JVM, "-jar", self.jar, "serve", "--listen", f"127.0.0.1:{self.port}",
                                      "--data-dir", self.dir, *self.extra], stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                st, _, _ = http(self.port, "GET", "/api/v1/server", token=self.admin())
                if st == 200:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not start; see " + self.log.name)

    def admin(self):
        with open(os.path.join(self.dir, "admin.token")) as f:
            return f.read().strip()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


def raw(port, data, timeout=10, source="127.0.0.1"):
    """Sends bytes from {@code source}, reads the answer until the server closes; returns (status or 0, body text)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0)) as s:
        if s.getsockname() == s.getpeername():
            # Before the server listens, the kernel may hand the probe the target port as its own source
            # port, and the socket connects to itself: nobody answers, and serve finds its port taken.
            raise ConnectionRefusedError("connected to itself: nothing listens on port %d yet" % port)
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                whole = b"".join(chunks)
                head, sep, body = whole.partition(b"\r\n\r\n")
                if sep and b"content-length:" in head.lower():
                    n = int(next(l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")))
                    if len(body) >= n:
                        break
        except socket.timeout:
            pass
    text = b"".join(chunks).decode("utf-8", "replace")
    try:
        status = int(text.split(" ", 2)[1])
    except (IndexError, ValueError):
        status = 0
    return status, text.partition("\r\n\r\n")[2]


def http(port, method, path, body=None, token=None, headers=None, raw_body=None, source="127.0.0.1"):
    h = {"Host": f"127.0.0.1:{port}", "Connection": "close"}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    data = raw_body if raw_body is not None else (b"" if body is None else json.dumps(body).encode())
    if method in ("POST", "DELETE", "PUT"):
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(data))
    req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items() if v is not None) + "\r\n"
    status, text = raw(port, req.encode() + data, source=source)
    try:
        parsed = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    return status, parsed, text


class WebSocket:
    """A minimal attach client: the upgrade, masked frames out, text and binary frames in."""

    def __init__(self, port, path, headers=None, token=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        h = {"Host": f"127.0.0.1:{port}", "Upgrade": "websocket", "Connection": "Upgrade",
             "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}
        if token:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        self.sock.sendall((f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            b = self.sock.recv(4096)
            if not b:
                break
            buf += b
        head, _, self.rest = buf.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1]) if head else 0

    def _read(self, n):
        while len(self.rest) < n:
            b = self.sock.recv(65536)
            if not b:
                raise EOFError
            self.rest += b
        out, self.rest = self.rest[:n], self.rest[n:]
        return out

    def frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(self._read(2), "big")
        elif n == 127:
            n = int.from_bytes(self._read(8), "big")
        return b0 & 0x0F, self._read(n)

    def text(self, kind, timeout=10):
        """The next text frame whose JSON type is {@code kind}."""
        self.sock.settimeout(timeout)
        while True:
            op, payload = self.frame()
            if op == 8:
                raise EOFError("closed")
            if op == 1:
                m = json.loads(payload)
                if m.get("type") == kind:
                    return m

    def send(self, opcode, payload, fin=True, rsv=0):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | rsv | opcode])
        head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 \
            else bytes([0x80 | 127]) + n.to_bytes(8, "big")
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def close_code(self, timeout=3):
        """The code of the server's close frame, or None when it sent none in time (or just dropped the socket)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                op, payload = self.frame()
                if op == 8:
                    return int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
        except (EOFError, OSError):
            return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def count(results, name, bad):
    results[name] = results.get(name, 0) + (1 if bad else 0)


# ------------------------------------------------------------------------------------------ groups

POST_ROUTES = ["/api/v1/login", "/api/v1/sessions", "/api/v1/sessions/disconnect", "/api/v1/sessions/close",
               "/api/v1/sessions/1/disconnect", "/api/v1/sessions/1/close", "/api/v1/sessions/lock",
               "/api/v1/sessions/unlock", "/api/v1/sessions/1/lock", "/api/v1/sessions/1/unlock",
               "/api/v1/sessions/1/message", "/api/v1/connections/1/disconnect", "/api/v1/tokens", "/api/v1/tickets",
               "/api/v1/workspaces", "/api/v1/workspaces/disconnect", "/api/v1/workspaces/w/authenticated",
               "/api/v1/workspaces/w/disconnect", "/api/v1/users", "/api/v1/users/nobody/password",
               "/api/v1/sessions/1/virtual-desktop/Disconnect"]
BODIES = [b"null", b"[" * 5000 + b"]" * 5000, b'{"ids":[' + b"9" * 1200 + b"]}", b'{"ids":[null]}', b'[" "]',
          b'["\\u0000"]', b'{"name":"\\ud800"}', b'{"command":"\\ud800"}', b'{"user":"\\ud800","password":"x"}',
          b'{"message":"\\ud800"}', b'{"command":"x","env":{"A":null}}', b'{"command":"x","args":[null]}', b'"x"', b"1e99999", b'{"ids":"1"}', b"{", b'{"a":1}{', b"\xff\xfe"]
INTERNAL = ("dev.tether", "java.lang", "Exception", "com.fasterxml", "io.vertx")


def malformed(server, results):
    admin = server.admin()
    sent = five = leaks = 0
    for route in POST_ROUTES:
        for body in BODIES:
            st, _, text = http(server.port, "POST", route, token=admin, raw_body=body)
            sent += 1
            five += st >= 500 or st == 0
            leaks += any(w in text for w in INTERNAL)
    port = server.port
    for req in [f"GET /api/v1/sessions?%zz=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {admin}\r\nConnection: close\r\n\r\n",
                f"GET /api/v1/sessions HTTP/1.1\r\nAuthorization: Bearer {admin}\r\nConnection: close\r\n\r\n",
                f"GET /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-A: a\r\n b\r\nAuthorization: Bearer {admin}\r\nConnection: close\r\n\r\n",
                f"GET /api/v1/%zz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n",
                f"GET /api/v1/requests/1?wait=true&timeout=abc HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {admin}\r\nConnection: close\r\n\r\n"]:
        st, text = raw(port, req.encode())
        sent += 1
        five += st >= 500 or st == 0
        leaks += any(w in text for w in INTERNAL)
    results.update(malformed_sent=sent, malformed_5xx=five, malformed_internal_names=leaks)


def session(server, token, command="sleep", args=("100000",)):
    st, body, text = http(server.port, "POST", "/api/v1/sessions", {"command": command, "args": list(args)}, token=token)
    return body["id"] if st == 201 else None


def access(server, results):
    port, admin = server.port, server.admin()
    wrong = {}
    # a non-admin user's session runs as the server's account
    _, alice, _ = http(port, "POST", "/api/v1/users", {"name": "alice"}, token=admin)
    alice_token = alice["token"]
    http(port, "POST", "/api/v1/users/alice/password", {"password": "alice-secret-1"}, token=admin)
    count(wrong, "non-admin session without opt-in", session(server, alice_token) is not None)
    # tickets on REST routes
    _, t, _ = http(port, "POST", "/api/v1/tickets", token=admin)
    st, _, _ = http(port, "POST", "/api/v1/tokens?ticket=" + t["ticket"], {"application": "x"})
    count(wrong, "ticket accepted on a REST route", st < 300)
    # Origin with the wrong scheme; Host of another name (DNS rebinding)
    sid = session(server, admin)
    ws = WebSocket(port, f"/api/v1/sessions/{sid}/attach", {"Origin": f"https://127.0.0.1:{port}"}, token=admin)
    count(wrong, "Origin with the wrong scheme attached", ws.status == 101)
    ws.close()
    ws = WebSocket(port, f"/api/v1/sessions/{sid}/attach", {"Origin": "http://evil.example", "Host": "evil.example"}, token=admin)
    count(wrong, "Host evil.example attached", ws.status == 101)
    ws.close()
    # password oracle through workspaces
    st1, w, _ = http(port, "POST", "/api/v1/workspaces", {"id": "o1", "userName": "admin", "password": "guess"}, token=alice_token)
    count(wrong, "workspace started for another account", st1 == 201)
    if st1 == 201:
        a, _, t1 = http(port, "POST", "/api/v1/workspaces/o1/authenticated", token=alice_token)
        http(port, "POST", "/api/v1/workspaces", {"id": "o2", "userName": "nobody-here", "password": "guess"}, token=alice_token)
        b, _, t2 = http(port, "POST", "/api/v1/workspaces/o2/authenticated", token=alice_token)
        count(wrong, "workspace check tells accounts apart", (a, t1.replace("admin", "X")) != (b, t2.replace("nobody-here", "X")))
    # a workspace token acts outside its workspace
    st, started, _ = http(port, "POST", "/api/v1/workspaces", {"id": "mine", "userName": "admin", "password": "x",
                                                              "flags": {"credsAuthenticated": True}}, token=admin)
    other = session(server, admin)
    if st == 201:
        wtok = started["token"]
        st, _, _ = http(port, "POST", f"/api/v1/sessions/{other}/close", token=wtok)
        count(wrong, "workspace token closed a session", st < 300)
        # its event stream after DisconnectWorkspace
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {wtok}\r\n\r\n".encode())
        s.recv(4096)
        http(port, "POST", "/api/v1/workspaces/mine/disconnect?wait=true", token=admin)
        ended = False
        s.settimeout(0.2)
        deadline = time.time() + 1.5
        while time.time() < deadline and not ended:
            try:
                ended = s.recv(4096) == b""
            except socket.timeout:
                pass
            except OSError:
                ended = True
        s.close()
        count(wrong, "revoked token's event stream kept flowing", not ended)
    # the global last event id shown to a non-admin
    _, mine, _ = http(port, "GET", "/api/v1/server", token=alice_token)
    _, glob, _ = http(port, "GET", "/api/v1/server", token=admin)
    count(wrong, "non-admin sees the global last event id", mine.get("lastEventId") == glob.get("lastEventId"))
    # loose JSON typing
    victim = session(server, admin)
    st, _, _ = http(port, "POST", "/api/v1/sessions/disconnect", {"ids": [victim], "whatIf": " "}, token=admin)
    count(wrong, "whatIf \" \" accepted", st < 300)
    st, _, _ = http(port, "POST", "/api/v1/sessions", {"command": True}, token=admin)
    count(wrong, "command true accepted", st < 300)
    st, _, _ = http(port, "POST", f"/api/v1/sessions/{victim}/lock", {"message": True}, token=admin)
    count(wrong, "message true accepted", st < 300)
    st, _, _ = http(port, "POST", "/api/v1/tokens", {"application": False}, token=admin)
    count(wrong, "application false accepted", st < 300)
    st, _, _ = http(port, "POST", "/api/v1/sessions", {"command": "sleep", "args": ["9"], "cols": " "}, token=admin)
    count(wrong, "cols \" \" accepted", st < 300)
    # a failed start leaves a record
    _, before, _ = http(port, "GET", "/api/v1/sessions?allStates=true", token=admin)
    bad = os.path.join(server.dir, "..", "not-a-program")
    with open(bad, "w") as f:
        f.write("#!/no/such/interpreter\n")
    os.chmod(bad, 0o755)
    st, _, _ = http(port, "POST", "/api/v1/sessions", {"command": os.path.abspath(bad)}, token=admin)
    _, after, _ = http(port, "GET", "/api/v1/sessions?allStates=true", token=admin)
    count(wrong, "failed start left a session record", st >= 300 and len(after) != len(before))
    # one user empties the ticket pool
    for _ in range(10_050):
        st, _, _ = http(port, "POST", "/api/v1/tickets", token=alice_token)
        if st >= 300:
            break
    st, _, _ = http(port, "POST", "/api/v1/tickets", token=admin)
    count(wrong, "another user's tickets refused after one user's flood", st >= 300)
    for k, v in wrong.items():
        print(f"  {'WRONG' if v else 'ok   '}  {k}")
    results.update(access_attempts=len(wrong), access_wrong_accepts=sum(wrong.values()))


def race(server, results):
    port, admin = server.port, server.admin()
    accepted_total, rounds = 0, 3
    for _ in range(rounds):
        sid = session(server, admin)
        ws = WebSocket(port, f"/api/v1/sessions/{sid}/attach", token=admin)
        cid = ws.text("connecting")["connectionId"]
        ws.text("attached")
        codes = []
        barrier = threading.Barrier(50)

        def one():
            barrier.wait()
            codes.append(http(port, "POST", f"/api/v1/connections/{cid}/disconnect", token=admin)[0])

        threads = [threading.Thread(target=one) for _ in range(50)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        accepted_total += codes.count(202)
        ws.close()
    results.update(race_rounds=rounds, race_accepted=accepted_total, race_wrong_accepts=accepted_total - rounds)


def crash(jar, results, sessions=100):
    server = Server(jar)
    port, admin = server.port, server.admin()
    sockets = []
    for _ in range(sessions):
        sid = session(server, admin)
        ws = WebSocket(port, f"/api/v1/sessions/{sid}/attach", token=admin)
        ws.text("attached")
        sockets.append(ws)
    st, req, _ = http(port, "POST", "/api/v1/sessions/disconnect", {"all": True}, token=admin)
    time.sleep(0.03)
    server.kill9()
    [w.close() for w in sockets]
    server.start()
    time.sleep(1)
    st, after, _ = http(port, "GET", f"/api/v1/requests/{req['id']}?wait=true&timeout=5", token=server.admin())
    lost = after is None or after.get("status") != "COMPLETED"
    print(f"  request {req['id']} after kill -9 and restart: {after.get('status') if after else st}")
    server.stop()
    results.update(crash_requests=1, crash_left_running=int(lost))


def flood(server, results, attempts=500, parallel=50):
    port = server.port
    http(port, "POST", "/api/v1/users", {"name": "bob"}, token=server.admin())
    http(port, "POST", "/api/v1/users/bob/password", {"password": "bob-secret-1"}, token=server.admin())
    http(port, "POST", "/api/v1/users", {"name": "carol"}, token=server.admin())
    http(port, "POST", "/api/v1/users/carol/password", {"password": "carol-secret-1"}, token=server.admin())
    time.sleep(1)
    before = server.rss_kib()
    codes, lock = [], threading.Lock()
    left = [attempts]

    def worker():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            st, _, _ = http(port, "POST", "/api/v1/login", {"user": "bob", "password": "wrong"})
            with lock:
                codes.append(st)

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    t0 = time.time()
    [t.start() for t in threads]
    time.sleep(2)
    c0 = time.time()
    ok, _, _ = http(port, "POST", "/api/v1/login", {"user": "bob", "password": "bob-secret-1"})
    correct = time.time() - c0
    c1 = time.time()
    other, _, _ = http(port, "POST", "/api/v1/login", {"user": "carol", "password": "carol-secret-1"}, source="127.0.0.2")
    elsewhere = time.time() - c1
    [t.join() for t in threads]
    took = time.time() - t0
    time.sleep(2)
    after = server.rss_kib()
    print(f"  {attempts} wrong log-ons in {took:.1f} s: {codes.count(401)} x 401, {codes.count(429)} x 429, "
          f"{sum(c >= 500 or c == 0 for c in codes)} x 5xx/none; during the flood, bob's correct log-on from the flooding "
          f"address: HTTP {ok} in {correct:.2f} s, carol's from 127.0.0.2: HTTP {other} in {elsewhere:.2f} s; "
          f"RSS {before // 1024} -> {after // 1024} MiB")
    results.update(flood_attempts=attempts, flood_429=codes.count(429), flood_5xx=sum(c >= 500 or c == 0 for c in codes),
                   flood_correct_login_s=round(correct, 2), flood_correct_login_status=ok,
                   flood_other_login_s=round(elsewhere, 2), flood_other_login_status=other,
                   flood_rss_before_mib=before // 1024, flood_rss_after_mib=after // 1024)


def slow(server, results, n=100, seconds=40):
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(f"POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 100\r\n".encode()
                  if i % 2 else b'POST /api/v1/login HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"user":')
        socks.append(s)
    time.sleep(seconds)
    still = 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(4096)
            still += 0 if data == b"" else 0  # answered: the server gave up on it, fine if it then closes
            if data:
                s.setblocking(True)
                s.settimeout(1)
                try:
                    still += 1 if s.recv(4096) != b"" else 0
                except (socket.timeout, BlockingIOError):
                    still += 1
        except BlockingIOError:
            still += 1
        except OSError:
            pass
        s.close()
    print(f"  {n} half-sent requests: {still} still held open after {seconds} s")
    results.update(slow_sent=n, slow_held_open=still, slow_seconds=seconds)


def websocket(server, results):
    port, admin = server.port, server.admin()
    wrong = {}

    def attach(command="sleep", args=("100000",)):
        sid = session(server, admin, command, args)
        ws = WebSocket(port, f"/api/v1/sessions/{sid}/attach", token=admin)
        cid = ws.text("connecting")["connectionId"]
        ws.text("attached")
        return ws, cid

    for name, want, act in [
            ("oversized frame", 1009, lambda ws: ws.send(2, b"x" * 70_000)),
            ("fragmented message over 256 KiB", 1009,
             lambda ws: [ws.send(2 if i == 0 else 0, b"y" * 60_000, fin=i == 5) for i in range(6)]),
            ("invalid UTF-8 in a text frame", 1007, lambda ws: ws.send(1, b"\xff\xfe\xfd")),
            ("RSV1 set", 1002, lambda ws: ws.send(2, b"abc", rsv=0x40))]:
        ws, _ = attach()
        try:
            act(ws)
        except OSError:
            pass
        code = ws.close_code()
        print(f"  {name}: close code {code} (want {want})")
        count(wrong, name, code != want)
        ws.close()
    ws, _ = attach()
    ws.send(1, b"null")
    try:
        answered = ws.text("error", timeout=2) is not None
    except (EOFError, OSError):
        answered = False
    count(wrong, "control message null unanswered", not answered)
    ws.close()
    # input over the 1 MiB queue limit: six clients each send one 255 KiB message (in four frames) to a
    # program that reads none; the session's queue takes four of them, the rest must be refused and told
    sid = session(server, admin, "sh", ("-c", "stty -icanon -echo; sleep 100000"))
    clients = []
    for _ in range(6):
        ws = WebSocket(port, f"/api/v1/sessions/{sid}/attach", token=admin)
        cid = ws.text("connecting")["connectionId"]
        ws.text("attached")
        clients.append((ws, cid))
    part = 255 * 1024 // 4
    for ws, _ in clients:
        for i in range(4):
            ws.send(2 if i == 0 else 0, b"z" * part, fin=i == 3)
    told = 0
    for ws, _ in clients:
        ws.sock.settimeout(1)
        try:
            while True:
                op, payload = ws.frame()
                if op == 1 and json.loads(payload).get("type") == "error":
                    told += 1
                    break
        except (EOFError, OSError, ValueError):
            pass
    counted = sum((http(port, "GET", f"/api/v1/connections/{cid}", token=admin)[1] or {}).get("bytesIn", 0) for _, cid in clients)
    [ws.close() for ws, _ in clients]
    print(f"  6 x 255 KiB of input to a program that reads none: {told} clients told, bytesIn {counted} in all")
    count(wrong, "refused input not told", told < 2)
    count(wrong, "refused input counted in bytesIn", counted > 1024 * 1024 + 64 * 1024)
    for k, v in wrong.items():
        print(f"  {'WRONG' if v else 'ok   '}  {k}")
    results.update(websocket_attempts=len(wrong), websocket_wrong=sum(wrong.values()))


def honest(jar, server, results):
    # Startup race: hammer a fixed port from the moment serve is started until it answers 200/401.
    port, data = free_port(), tempfile.mkdtemp(prefix="tether-probe-start-")
    proc = subprocess.Popen([java(), *JVM, "-jar", jar, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    accepted = unanswered = starting = 0
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            try:
                st, _ = raw(port, f"GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode(), timeout=5)
            except OSError:
                continue  # not listening yet
            accepted += 1
            unanswered += st == 0
            starting += st == 503
            if st in (200, 401):
                break
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"  startup: {accepted} connections accepted while starting, {unanswered} unanswered, {starting} answered 503")

    # A second serve on the first one's data directory.
    admin = server.admin()
    sid = session(server, admin)
    second = subprocess.Popen([java(), *JVM, "-jar", jar, "serve", "--listen", "127.0.0.1:0", "--data-dir", server.dir],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, err = second.communicate(timeout=30)
        code = second.returncode
    except subprocess.TimeoutExpired:  # it started
        second.terminate()
        _, err = second.communicate(timeout=30)
        code = "none (it started and ran)"
    st, s, _ = http(server.port, "GET", f"/api/v1/sessions/{sid}", token=admin)
    crashed = (s or {}).get("state") == "CLOSED"
    print(f"  second serve on the same data dir: exit {code}, {err.strip()[:200]!r};"
          f" the first server's session {sid}: {(s or {}).get('state')}")

    # A serve on a port in use leaves nothing behind.
    empty = tempfile.mkdtemp(prefix="tether-probe-busy-")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = subprocess.run([java(), *JVM, "-jar", jar, "serve", "--listen", f"127.0.0.1:{taken.getsockname()[1]}",
                               "--data-dir", empty], capture_output=True, text=True, timeout=60)
    left = sorted(f for f in os.listdir(empty) if not (f == "serve.lock" and os.path.getsize(os.path.join(empty, f)) == 0))
    print(f"  serve on a port in use: exit {busy.returncode}, files left: {left}")

    # /events without since, and a timeout that is not a number.
    _, _, none = http(server.port, "GET", "/api/v1/events?follow=false", token=admin)
    _, _, zero = http(server.port, "GET", "/api/v1/events?follow=false&since=0", token=admin)
    replayed = none.count("data: ")
    _, req, _ = http(server.port, "POST", f"/api/v1/sessions/{sid}/disconnect", token=admin)
    st_timeout, _, _ = http(server.port, "GET", f"/api/v1/requests/{req['id']}?timeout=abc", token=admin)
    print(f"  /events without since replayed {replayed} events (since=0: {zero.count('data: ')});"
          f" retry: sent {'retry:' in none}; GET /requests/{req['id']}?timeout=abc answered {st_timeout}")
    results.update(honest_startup_accepted=accepted, honest_startup_unanswered=unanswered,
                   honest_second_serve_started=int(not isinstance(code, int) or code == 0 or crashed), honest_busy_port_files=len(left),
                   honest_events_replayed=replayed, honest_timeout_abc_accepted=int(st_timeout < 400))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jar", required=True)
    p.add_argument("--only", default="malformed,access,race,websocket,crash,flood,slow,honest")
    p.add_argument("--slow-seconds", type=int, default=40)
    p.add_argument("--serve-arg", action="append", default=[], help="one more option for serve (repeatable)")
    a = p.parse_args()
    groups = a.only.split(",")
    results = {}
    server = Server(a.jar, extra=a.serve_arg)
    try:
        for g in groups:
            print(f"== {g}", flush=True)
            if g == "malformed":
                malformed(server, results)
            elif g == "access":
                access(server, results)
            elif g == "race":
                race(server, results)
            elif g == "crash":
                crash(a.jar, results)
            elif g == "flood":
                flood(server, results)
            elif g == "websocket":
                websocket(server, results)
            elif g == "honest":
                honest(a.jar, server, results)
            elif g == "slow":
                slow(server, results, seconds=a.slow_seconds)
            print("  " + ", ".join(f"{k}={v}" for k, v in results.items() if k.startswith(g)), flush=True)
    finally:
        server.stop()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
