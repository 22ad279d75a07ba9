#!/usr/bin/env python3
"""bench/front.py -- the HTTP front's cost: the same function
(lambda_function.handler) called through the front (GET /hello?name=Chris)
and through the Invoke API (POST of the equivalent payload 2.0 event), by
the same keep-alive client (http.client), sequentially in alternating
blocks so both see the same machine.  Prints p50/p99 latency, requests/s,
and the front's added latency as a ratio.  Figures only; nothing asserted.

    bench/front.py EMULATOR BOOTSTRAP TASK_ROOT [REQUESTS]
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

EVENT = json.dumps({
    "version": "2.0", "routeKey": "$default", "rawPath": "/hello", "rawQueryString": "name=Chris",
    "headers": {"host": "127.0.0.1", "user-agent": "bench"},
    "queryStringParameters": {"name": "Chris"},
    "requestContext": {"http": {"method": "GET", "path": "/hello", "protocol": "HTTP/1.1",
                                "sourceIp": "127.0.0.1", "userAgent": "bench"},
                       "routeKey": "$default", "stage": "$default"},
    "isBase64Encoded": False}).encode()


def start(emulator, bootstrap, task_root, log):
    proc = subprocess.Popen([emulator, "--config", "/dev/null", "--listen", "127.0.0.1:0",
                             "--http", "127.0.0.1:0", "--task-root", task_root,
                             "--runtime", bootstrap, "--concurrency", "1", "lambda_function.handler"],
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        text = open(log.name).read()
        front = re.search(r"HTTP front on http://[0-9.]+:(\d+)/", text)
        invoke = re.search(r"listening on [0-9.]+:(\d+)", text)
        if front and invoke:
            return proc, int(front.group(1)), int(invoke.group(1))
        time.sleep(0.05)
    proc.kill()
    sys.exit("front.py: the emulator did not start; see " + log.name)


def one(conn, kind):
    t = time.perf_counter()
    if kind == "front":
        conn.request("GET", "/hello?name=Chris")
    else:
        conn.request("POST", "/2015-03-31/functions/function/invocations", body=EVENT)
    r = conn.getresponse()
    body = r.read()
    assert r.status == 200 and b"Hello, Chris" in body, (kind, r.status, body[:200])
    return (time.perf_counter() - t) * 1000


def main():
    emulator, bootstrap, task_root = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc, fport, iport = start(emulator, bootstrap, task_root, log)
    try:
        conns = {"front": http.client.HTTPConnection("127.0.0.1", fport, timeout=30),
                 "invoke": http.client.HTTPConnection("127.0.0.1", iport, timeout=30)}
        for kind in conns:                         # warm up: the instance starts
            for _ in range(50):
                one(conns[kind], kind)
        lat = {"front": [], "invoke": []}
        busy = {"front": 0.0, "invoke": 0.0}
        block = 100
        for _ in range(max(1, n // block)):
            for kind in ("invoke", "front"):
                t = time.perf_counter()
                lat[kind] += [one(conns[kind], kind) for _ in range(block)]
                busy[kind] += time.perf_counter() - t
        res = {}
        for kind, v in lat.items():
            v.sort()
            res[kind] = (v[len(v) // 2], v[int(len(v) * 0.99)], len(v) / busy[kind])
            print(f"{kind:7s} n={len(v)}  p50 {res[kind][0]:.3f} ms  p99 {res[kind][1]:.3f} ms  "
                  f"{res[kind][2]:.0f} requests/s")
        ratio = res["front"][0] / res["invoke"][0]
        print(f"front/invoke p50 ratio {ratio:.2f} (the front adds {100 * (ratio - 1):+.0f}%; "
              f"requests/s ratio {res['front'][2] / res['invoke'][2]:.2f})")
    finally:
        proc.terminate()
        proc.wait()
        os.unlink(log.name)


if __name__ == "__main__":
    main()
