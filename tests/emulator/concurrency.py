#!/usr/bin/env python3
"""concurrency.py URL N [echo]: N concurrent invokes, each with a unique
payload; every one must be answered exactly once with its own payload.
Against runtime.py ("context" action) prints how many distinct instance pids
answered; with "echo" (any handler that returns the event) prints 0."""
import http.client
import json
import sys
import threading
import urllib.parse

url, n = sys.argv[1], int(sys.argv[2])
echo = len(sys.argv) > 3 and sys.argv[3] == "echo"
u = urllib.parse.urlparse(url)
results = {}
errors = []
lock = threading.Lock()
start = threading.Barrier(n)


def one(i):
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        payload = json.dumps({"action": "context", "seconds": 0.05, "i": i, "pad": "x" * (i * 37)})
        start.wait()
        c.request("POST", u.path, payload)
        r = c.getresponse()
        body = r.read()
        with lock:
            if r.status != 200:
                errors.append("invoke %d: HTTP %d %s" % (i, r.status, body[:200]))
            results.setdefault(i, []).append(json.loads(body))
    except Exception as e:  # noqa
        with lock:
            errors.append("invoke %d: %r" % (i, e))


threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("\n".join(errors))
pids = set()
for i in range(n):
    got = results.get(i, [])
    if len(got) != 1:
        sys.exit("invoke %d answered %d times" % (i, len(got)))
    if not echo and "event" not in got[0]:
        sys.exit("invoke %d: not the function's answer: %r" % (i, got[0]))
    ev = got[0] if echo else got[0]["event"]
    if ev.get("i") != i or len(ev.get("pad", "")) != i * 37:
        sys.exit("invoke %d got the answer of another: %r" % (i, ev.get("i")))
    if not echo:
        pids.add(got[0]["pid"])
print(len(pids))
