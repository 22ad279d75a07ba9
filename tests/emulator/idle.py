#!/usr/bin/env python3
"""idle.py PORT N [IDLE_SECONDS] -- open N TCP connections to the Invoke API
that send nothing (an attacker, or a careless pool), then make a normal
invoke: it must be answered.  With IDLE_SECONDS, also: the idle connections
are closed by the emulator (each sees EOF) once they have been idle that
long, while a caller that waits for its result past that time is not cut.
Exits 0 with a one-line summary, or 1 saying what failed."""
import http.client
import json
import os
import resource
import socket
import sys
import tempfile
import threading
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
idle = float(sys.argv[3]) if len(sys.argv) > 3 else None
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < n + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
PATH = "/2015-03-31/functions/function/invocations"


def fail(what):
    print("FAIL: " + what)
    sys.exit(1)


def invoke(event, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", PATH, json.dumps(event))
    r = c.getresponse()
    return r.status, r.read()


held = []
for i in range(n):
    s = socket.socket()
    s.settimeout(30)
    try:
        s.connect(("127.0.0.1", port))
    except OSError as e:
        fail("connection %d of %d: %s" % (i + 1, n, e))
    held.append(s)

# A normal invoke while they are all held (or being closed to make room).
try:
    status, body = invoke({"normal": 1})
except OSError as e:
    fail("a normal invoke beside %d idle connections: %s" % (n, e))
if status != 200 or json.loads(body) != {"normal": 1}:
    fail("a normal invoke beside %d idle connections: %d %r" % (n, status, body))
summary = "normal invoke answered beside %d idle connections" % n

if idle is not None:
    # A caller that waits for its result longer than the idle timeout: its
    # function is held at a gate until every idle connection is closed.
    gate = os.path.join(tempfile.mkdtemp(), "gate")
    waited = {}
    t = threading.Thread(target=lambda: waited.update(
        r=invoke({"action": "gate", "path": gate, "limit": 60}, timeout=90)))
    t.start()
    closed = 0
    for s in held:
        try:
            closed += s.recv(1) == b""   # EOF: the emulator closed it
        except socket.timeout:
            fail("an idle connection was still open 30 s after the %.1f s idle timeout" % idle)
        except ConnectionResetError:
            closed += 1
    open(gate, "w").close()
    t.join()
    if waited.get("r") != (200, b'{"gate": "passed"}'):
        fail("the caller waiting past the idle timeout got %r" % (waited.get("r"),))
    summary += "; %d closed by the idle timeout; a caller waiting past it was answered" % closed
for s in held:
    s.close()
print(summary)
