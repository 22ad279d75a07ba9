#!/usr/bin/env python3
"""conc-invoke.py URL N MS [CRASH]: N invocations of tests/plugins' conc.so
(conc.report / conc.crash) sent at once (a barrier releases them), event
{"i": i, "ms": MS}; with CRASH, invocation 0 gets {"crash": true, "ms": 100};
with CRASH-ALL, {"crash": true, "ms": 100, "after": N}: it crashes once all
N are running in its process (conc.c), so all N are in flight.
Checks every answer is the caller's own: the handler's request id (read
before and after its sleep) is the x-amzn-RequestId of that call, its trace
id did not change during the sleep and no two calls share one, and "i" is
the caller's.  Prints one JSON object: wall_ms (barrier to last answer),
overlap (the most handlers that were running at the same instant, from
their CLOCK_MONOTONIC start and end),
pids and tids (distinct values seen), answers ({i: {requestId, ...}}),
errors ({i: error body} for answers with X-Amz-Function-Error).  Exits 1
with a message when a check fails."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

url, n, ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
crash = len(sys.argv) > 4 and sys.argv[4] in ("crash", "crash-all")
after = n if len(sys.argv) > 4 and sys.argv[4] == "crash-all" else 1
u = urllib.parse.urlparse(url)
lock = threading.Lock()
barrier = threading.Barrier(n + 1)
res, problems = {}, []


def one(i):
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        c.connect()
        ev = {"i": i, "ms": ms}
        if crash and i == 0:
            ev = {"i": i, "ms": 100, "crash": True, "after": after}
        body = json.dumps(ev)
        barrier.wait()
        c.request("POST", u.path, body)
        r = c.getresponse()
        data = r.read()
        with lock:
            res[i] = (r.status, r.getheader("x-amzn-RequestId"), r.getheader("X-Amz-Function-Error"),
                      json.loads(data), time.monotonic())
    except Exception as e:  # noqa
        with lock:
            problems.append("invoke %d: %r" % (i, e))


threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
barrier.wait()
t0 = time.monotonic()
for t in threads:
    t.join()
out = {"answers": {}, "errors": {}, "pids": 0, "tids": 0, "wall_ms": 0}
traces, pids, tids = set(), set(), set()
for i in range(n):
    if i not in res:
        problems.append("invoke %d: no answer" % i)
        continue
    status, rid, ferr, j, t1 = res[i]
    out["wall_ms"] = max(out["wall_ms"], round((t1 - t0) * 1000))
    if status != 200:
        problems.append("invoke %d: HTTP %d" % (i, status))
    if ferr:
        out["errors"][i] = j
        if rid not in j.get("errorMessage", ""):
            problems.append("invoke %d: error for another request: %r (mine %s)" % (i, j, rid))
        continue
    if j.get("i") != i:
        problems.append("invoke %d got the answer of invoke %r" % (i, j.get("i")))
    if j.get("requestId") != rid or j.get("requestIdAfter") != rid:
        problems.append("invoke %d: request id %r/%r, the caller's is %r" %
                        (i, j.get("requestId"), j.get("requestIdAfter"), rid))
    if not j.get("traceId") or j.get("traceId") != j.get("traceIdAfter"):
        problems.append("invoke %d: trace id changed under the handler: %r -> %r" %
                        (i, j.get("traceId"), j.get("traceIdAfter")))
    if j.get("traceId") in traces:
        problems.append("invoke %d: trace id %r seen twice" % (i, j.get("traceId")))
    traces.add(j.get("traceId"))
    pids.add(j.get("pid"))
    tids.add((j.get("pid"), j.get("tid")))
    out["answers"][i] = j
out["pids"], out["tids"] = len(pids), len(tids)
edges = sorted([(a["startNs"], 1) for a in out["answers"].values()] +
               [(a["endNs"], -1) for a in out["answers"].values()])
running = 0
out["overlap"] = 0
for _, step in edges:  # an end at the same instant as a start sorts first
    running += step
    out["overlap"] = max(out["overlap"], running)
if problems:
    sys.exit("\n".join(problems))
print(json.dumps(out))
