#!/usr/bin/env python3
"""runtime.py -- a tiny Lambda runtime written against the Runtime API alone
(AWS Lambda Runtime API, 2018-06-01), independent of this project's bootstrap: it proves
the emulator works with any conformant runtime.

_HANDLER selects the behaviour at init: "initfail" posts /runtime/init/error
and exits, "initcrash" exits 3 during init, "initsleep" hangs in init;
anything else runs the invoke loop ("noecho": without echoing
Lambda-Runtime-Invocation-Id, like runtimes older than that header; "fifo":
first two /next polls, A then B, that answer {"poll": NAME}).  The event's "action" selects what one
invocation does: echo (default: the event back), sleep (seconds), segv,
exit (status), error (optionally a "raw" body), context (headers and environment as JSON),
memory (touch N MB, then answer), say ("text" as a log line and the answer), stream (chunked response, optional error
trailers, optionally gated), print (log lines, then answer), big (a buffered
response of N bytes), gate (wait until the file "path" exists, then answer),
barrier (wait until "n" invocations of this process are inside it at once),
counter (start, once, a background thread that writes an incrementing
counter to the file "path" every 10 ms; answers the pid), counter_wait
(wait until that file holds a number above "above"; answers it).
An API Gateway payload 2.0 event (from the HTTP front) selects the action
with its body, or without one with its query string; sse (Server-Sent
Events "data: {"n": N, "ms": EPOCH_MS}", N from 1 to "count", then "event:
end" with the time it was written) waits for the file GATE.N before event N
> 1 and for GATE.(count + 1) before the end.  Gates and barriers let tests assert an order of events instead of timing:
each waits at most "limit" seconds (default 30) and then answers that it
gave up, which the test reports as a failure.
"""
import base64
import ctypes
import http.client
import json
import os
import signal
import sys
import threading
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
host, port = API.split(":")
local = threading.local()
BASE = "/2018-06-01/runtime"
keep = []
barriers = {}


def start_counter(path):
    """A background thread that outlives the invocation, as on Lambda."""
    if barriers.get("counter"):
        return
    barriers["counter"] = True

    def run():
        n = 0
        while True:
            n += 1
            with open(path + ".tmp", "w") as f:
                f.write(str(n))
            os.replace(path + ".tmp", path)
            time.sleep(0.01)
    threading.Thread(target=run, daemon=True).start()


def wait_counter(path, above, limit):
    until = time.time() + limit
    while time.time() < until:
        try:
            v = int(open(path).read())
            if v > above:
                return v
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    return -1
barriers_lock = threading.Lock()


def gate(path, limit):
    """Wait until path exists (at most limit seconds); whether it did."""
    end = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def rendezvous(name, n, limit):
    """Wait until n invocations are inside the barrier name; whether they were."""
    with barriers_lock:
        b = barriers.setdefault(name, threading.Barrier(n))
    try:
        b.wait(limit)
        return True
    except threading.BrokenBarrierError:
        return False


def call(method, path, body=None, headers=None):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(host, int(port))
    conn = local.conn
    conn.request(method, BASE + path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r, r.read()


def error_body(etype, msg):
    return json.dumps({"errorMessage": msg, "errorType": etype, "stackTrace": []})


handler = os.environ.get("_HANDLER", "")
print("runtime.py: init, handler %s" % handler, flush=True)
if handler == "initfail":
    call("POST", "/init/error", error_body("Runtime.ImportModuleError", "cannot load module initfail"),
         {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
    sys.exit(1)
if handler == "initcrash":
    sys.exit(3)
if handler == "initsleep":
    time.sleep(3600)


def drained(conn):
    """Whether the emulator has read all this connection sent (/proc/net/tcp:
    the receive queue of its end is empty)."""
    mine = conn.sock.getsockname()
    want = "%08X:%04X" % (0x0100007F, int(port)), "%08X:%04X" % (0x0100007F, mine[1])
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if (p[1], p[2]) == want:
                return int(p[4].split(":")[1], 16) == 0
    return False


def poll_in_order():
    """Two /next polls, the second sent once the emulator has read the
    first; each answers its invocation with its name."""
    conns = []
    for name in ("A", "B"):
        c = http.client.HTTPConnection(host, int(port))
        c.request("GET", BASE + "/invocation/next")
        for _ in range(1000):
            if drained(c):
                break
            time.sleep(0.01)
        conns.append((name, c))

    def answer(name, c):
        r = c.getresponse()
        r.read()
        rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
        c.request("POST", BASE + "/invocation/%s/response" % rid, json.dumps({"poll": name}),
                  {"Lambda-Runtime-Invocation-Id": r.getheader("Lambda-Runtime-Invocation-Id")})
        c.getresponse().read()
    ts = [threading.Thread(target=answer, args=nc) for nc in conns]
    [t.start() for t in ts]
    print("runtime.py: polls A and B waiting", flush=True)
    [t.join() for t in ts]


if handler == "fifo":
    poll_in_order()


def open_stream(path, content_type, headers):
    """A streamed /response post on its own connection, headers sent; the
    caller writes the chunks."""
    s = http.client.HTTPConnection(host, int(port))
    s.putrequest("POST", BASE + path)
    s.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
    s.putheader("Transfer-Encoding", "chunked")
    s.putheader("Content-Type", content_type)
    for k, v in headers.items():
        s.putheader(k, v)
    s.endheaders()
    return s


def serve():
    while True:
        r, event = call("GET", "/invocation/next")
        if r.status != 200:
            print("runtime.py: /next answered %d, exiting" % r.status, flush=True)
            os._exit(1)
        rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
        nonce = r.getheader("Lambda-Runtime-Invocation-Id")
        echo = {"Lambda-Runtime-Invocation-Id": nonce} if nonce and handler != "noecho" else {}
        try:
            ev = json.loads(event)
        except ValueError:
            ev = None
        if isinstance(ev, dict) and ev.get("version") == "2.0":
            try:
                ev = json.loads(ev["body"]) if "body" in ev else ev.get("queryStringParameters", {})
            except ValueError:
                pass
        action = ev.get("action", "echo") if isinstance(ev, dict) else "echo"
        path = "/invocation/%s/response" % rid
        if action == "sleep":
            time.sleep(float(ev.get("seconds", 10)))
            call("POST", path, json.dumps({"slept": ev.get("seconds")}), echo)
        elif action == "segv":
            print("runtime.py: about to crash", flush=True)
            ctypes.string_at(0)
        elif action == "exit":
            os._exit(int(ev.get("status", 1)))
        elif action == "error":
            # "raw": the body posted as it is (not necessarily JSON).
            body = ev["raw"].encode("latin-1") if "raw" in ev else error_body("HandlerError", ev.get("message", "boom"))
            call("POST", "/invocation/%s/error" % rid, body,
                 dict(echo, **{"Lambda-Runtime-Function-Error-Type": "HandlerError"}))
        elif action == "context":
            out = {"headers": dict(r.getheaders()),
                   "env": {k: v for k, v in os.environ.items()
                           if k.startswith(("AWS_", "LAMBDA_", "_", "TZ", "CUSTOM_"))},
                   "cwd": os.getcwd(), "pid": os.getpid(), "event": ev}
            time.sleep(float(ev.get("seconds", 0)))
            call("POST", path, json.dumps(out), echo)
        elif action == "gate":
            passed = gate(ev["path"], float(ev.get("limit", 30)))
            call("POST", path, json.dumps({"gate": "passed" if passed else "gave up"}), echo)
        elif action == "barrier":
            passed = rendezvous(ev.get("name", ""), int(ev["n"]), float(ev.get("limit", 30)))
            call("POST", path, json.dumps({"barrier": "passed" if passed else "gave up"}), echo)
        elif action == "counter":
            start_counter(ev["path"])
            call("POST", path, json.dumps({"pid": os.getpid()}), echo)
        elif action == "counter_wait":
            v = wait_counter(ev["path"], int(ev["above"]), float(ev.get("limit", 30)))
            call("POST", path, json.dumps({"value": v}), echo)
        elif action == "memory":
            keep.append(bytearray(int(ev.get("mb", 64)) * 1024 * 1024))
            for i in range(0, len(keep[-1]), 4096):
                keep[-1][i] = 1
            call("POST", path, json.dumps({"pid": os.getpid()}), echo)
        elif action == "print":
            # "lines" lines naming the request id, and "plain" lines that do
            # not; with "barrier": DIR, "n": N, N invocations print at once
            # (each waits until all N have started, and until all N printed).
            def barrier(stage):
                if "barrier" not in ev:
                    return
                open(os.path.join(ev["barrier"], "%s.%s" % (rid, stage)), "w").close()
                for _ in range(1000):
                    if sum(f.endswith(stage) for f in os.listdir(ev["barrier"])) >= int(ev["n"]):
                        return
                    time.sleep(0.01)
            barrier("started")
            # One write per line: print() writes the newline apart, so two
            # threads' lines could interleave.
            sys.stdout.flush()
            for i in range(int(ev.get("lines", 3))):
                os.write(1, b"line %d of %s\n" % (i, rid.encode()))
            for i in range(int(ev.get("plain", 0))):
                os.write(1, b"plain line %d\n" % i)
            barrier("printed")
            call("POST", path, json.dumps({"printed": True}), echo)
        elif action == "say":
            # "text" as one log line, and back as the answer.
            os.write(1, ev.get("text", "").encode() + b"\n")
            call("POST", path, json.dumps({"said": ev.get("text", "")}), echo)
        elif action == "big":
            # A buffered response of "bytes" bytes; reports the status the
            # Runtime API gave (413 past 6291456) in its log.
            r2, _ = call("POST", path, b"b" * int(ev.get("bytes", 0)), echo)
            print("runtime.py: big response answered %d" % r2.status, flush=True)
        elif action == "stream":
            # A raw streamed response: chunked body, flushed piece by piece, and
            # optional error trailers after the last chunk.
            s = open_stream(path, "text/plain", dict(echo, Trailer="Lambda-Runtime-Function-Error-Type, "
                                                          "Lambda-Runtime-Function-Error-Body"))
            for i in range(int(ev.get("chunks", 3))):
                # "gate": chunk i > 0 waits for the file GATE.i, which the
                # caller creates once it has received chunk i - 1.
                if i > 0 and ev.get("gate") and not gate("%s.%d" % (ev["gate"], i), 30):
                    data = b"gave up waiting for the caller\n"
                    s.send(b"%x\r\n%s\r\n" % (len(data), data))
                    break
                data = ("chunk %d\n" % i).encode() * int(ev.get("repeat", 1))
                s.send(b"%x\r\n%s\r\n" % (len(data), data))
                time.sleep(float(ev.get("pause", 0.2)))
            trailer = b""
            if ev.get("fail"):
                body = base64.b64encode(error_body("StreamError", "failed mid-stream").encode())
                trailer = b"Lambda-Runtime-Function-Error-Type: StreamError\r\n" \
                          b"Lambda-Runtime-Function-Error-Body: " + body + b"\r\n"
            s.send(b"0\r\n" + trailer + b"\r\n")
            r2 = s.getresponse()
            r2.read()
            s.close()
            print("runtime.py: stream answered %d" % r2.status, flush=True)
        elif action == "sse":
            s = open_stream(path, "text/event-stream", echo)
            count = int(ev.get("count", 3))
            for n in range(1, count + 2):
                if n > 1 and ev.get("gate") and not gate("%s.%d" % (ev["gate"], n), 30):
                    break
                ms = int(time.time() * 1000)
                data = ('data: {"n": %d, "ms": %d}\n\n' % (n, ms) if n <= count
                        else 'event: end\ndata: {"ms": %d}\n\n' % ms).encode()
                s.send(b"%x\r\n%s\r\n" % (len(data), data))
            s.send(b"0\r\n\r\n")
            s.getresponse().read()
            s.close()
        elif action == "nononce":
            # A post without the nonce (from a runtime that echoes it), then
            # the real answer.
            r2, _ = call("POST", path, b'{"forged":true}')
            print("runtime.py: post without nonce answered %d" % r2.status, flush=True)
            call("POST", path, event, echo)
        elif action == "brokenstream":
            # A streamed response (Content-Type text/x-broken) cut after one
            # chunk, then the answer posted buffered, without a Content-Type.
            s = open_stream(path, "text/x-broken", echo)
            s.send(b"5\r\nbroke\r\n")
            s.close()
            call("POST", path, b'{"buffered":true}', echo)
        else:
            call("POST", path, event, echo)


# With AWS_LAMBDA_MAX_CONCURRENCY=N, N threads each hold their own /next.
n = int(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY", "1"))
for _ in range(n - 1):
    threading.Thread(target=serve, daemon=True).start()
serve()
