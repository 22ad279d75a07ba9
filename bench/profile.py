#!/usr/bin/env python3
"""bench/profile.py -- bench/profile-invoke's helpers.

  profile.py client PORT EVENT N         N sequential invokes, one keep-alive
                                         connection; each must echo EVENT
  profile.py callgrind SIDE N FILE...    per-invocation instructions and
                                         allocations from callgrind dumps
  profile.py strace SIDE N FILE          per-invocation system calls from
                                         strace -c output
"""
import http.client
import re
import socket
import subprocess
import sys
import time

PATH = "/2015-03-31/functions/function/invocations"
ALLOCATORS = ("malloc", "calloc", "realloc")


def client(port, event_file, n):
    with open(event_file, "rb") as f:
        event = f.read()
    deadline = time.monotonic() + 120
    while True:  # the emulator (under valgrind, slow to start) listens yet?
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("profile: nothing listens on port %s after 120 s" % port)
            time.sleep(0.2)
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
    for i in range(int(n)):
        conn.request("POST", PATH, body=event, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200 or body != event:
            sys.exit("profile: invoke %d answered %d: %r" % (i, resp.status, body[:200]))
    conn.close()


def parse_dump(path):
    """Total Ir, and calls to each allocator, in one callgrind dump."""
    names, calls, total = {}, dict.fromkeys(ALLOCATORS, 0), 0
    callee = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    name = names.get(m.group(1), "")
                    callee = name if line.startswith("cfn=") else None
            elif line.startswith("calls=") and callee:
                if callee in calls:
                    calls[callee] += int(line.split()[0][6:])
                callee = None
            elif line.startswith(("summary:", "totals:")):
                total = max(total, int(line.split()[1]))
    return total, calls


def top_functions(path, n, count=12):
    """Where the instructions are spent (exclusive cost), per invocation:
    by object file, then the costliest functions."""
    out = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", path],
                         capture_output=True, text=True, check=True).stdout
    rows, objects = [], {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S.*)$", line)
        # The frames on the stack when the counters were zeroed show the
        # whole total: they are the call chain, not where time goes.
        if not m or "PROGRAM TOTALS" in line or float(m.group(2)) >= 99.0:
            continue
        ir = int(m.group(1).replace(",", ""))
        fn, obj = m.group(3), "?"
        o = re.search(r" \[(.*)\]$", fn)
        if o:
            fn, obj = fn[:o.start()], o.group(1).rsplit("/", 1)[-1]
        rows.append((ir, fn))
        objects[obj] = objects.get(obj, 0) + ir
    print("    by object: " + ", ".join("%s %.0f" % (o, ir / n) for o, ir in
                                          sorted(objects.items(), key=lambda x: -x[1])[:6]))
    for ir, fn in rows[:count]:
        fn = re.sub(r"^.*/(?=[^/]+:)", "", fn)
        print("    %10.0f  %s" % (ir / n, fn[-90:]))


def callgrind(side, n, files):
    n = int(n)
    # callgrind_control -d wrote FILE.PID.1; FILE.PID is the exit's dump.
    dumps = [f for f in files if re.search(r"\.\d+\.\d+$", f)]
    if not dumps:
        sys.exit("profile: no callgrind dump among " + " ".join(files))
    total, allocs = 0, dict.fromkeys(ALLOCATORS, 0)
    biggest, biggest_ir = None, -1
    for path in dumps:
        ir, calls = parse_dump(path)
        total += ir
        for k in allocs:
            allocs[k] += calls[k]
        if ir > biggest_ir:
            biggest, biggest_ir = path, ir
    print("%s: %.0f instructions per invocation (%d processes' dumps)" % (side, total / n, len(dumps)))
    print("%s: %.1f heap allocations per invocation (%s)" % (
        side, sum(allocs.values()) / n, ", ".join("%s %.1f" % (k, v / n) for k, v in allocs.items())))
    print("%s: instructions per invocation by where they are spent (exclusive; %s):" % (side, biggest.rsplit("/", 1)[-1]))
    top_functions(biggest, n)


def strace(side, n, path):
    n = int(n)
    rows, total = [], 0
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 5 and p[0][0].isdigit() and p[-1] != "total":
                calls = int(p[3])
                rows.append((calls, p[-1]))
            elif p and p[-1] == "total":
                total = int(p[3])
    rows.sort(reverse=True)
    print("%s: %.1f system calls per invocation: %s" % (
        side, total / n, ", ".join("%s %.1f" % (name, c / n) for c, name in rows if c / n >= 0.05)))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "client":
        client(*args)
    elif cmd == "callgrind":
        callgrind(args[0], args[1], args[2:])
    elif cmd == "strace":
        strace(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
