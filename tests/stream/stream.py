#!/usr/bin/env python3
"""stream.py URL -- boto3 invoke_with_response_stream against the emulator
running the real bootstrap with plugins/stream.so and streamprobe.so:
server-sent events arrive one by one as the handler writes them (the first
before the handler has finished), a mid-stream lambda_fail() reaches the
caller as an error after the partial body, the exactly-once rules hold, and
a buffered Invoke of a streaming function gets the whole body."""
import json
import sys
import time

import boto3
import botocore.config

url = sys.argv[1]
lam = boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="x", aws_secret_access_key="x",
                   config=botocore.config.Config(retries={"max_attempts": 0}, read_timeout=60))


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


def stream(function, event):
    """Invoke; returns [(wall-clock ms at arrival, bytes)], InvokeComplete."""
    r = lam.invoke_with_response_stream(FunctionName=function, Payload=json.dumps(event))
    check(r["StatusCode"] == 200, "%s: status %r" % (function, r["StatusCode"]))
    chunks, complete = [], None
    for ev in r["EventStream"]:
        if "PayloadChunk" in ev:
            chunks.append((time.time() * 1000, ev["PayloadChunk"]["Payload"]))
        elif "InvokeComplete" in ev:
            check(complete is None, "two InvokeComplete events")
            complete = ev["InvokeComplete"]
    check(complete is not None, "%s: no InvokeComplete" % function)
    return chunks, complete


# warm the instance so the timing below is about streaming, not cold start
stream("sse", {"count": 1, "interval_ms": 0})

# Server-sent events, 10 lines 300 ms apart: they reach the caller as the
# handler writes them -- the first arrives before the handler has written
# its last (nearly 3 s later); a response held back until the end cannot.
count, interval = 10, 300
chunks, complete = stream("sse", {"count": count, "interval_ms": interval})
check(not complete.get("ErrorCode"), "sse: InvokeComplete %r" % complete)
data = b"".join(c for _, c in chunks)
prelude, sep, body = data.partition(b"\0" * 8)
check(sep, "sse: no 8-NUL separator after the prelude in %r" % data[:200])
p = json.loads(prelude)
check(p == {"statusCode": 200, "headers": {"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"}}, "sse prelude %r" % p)
events = [e for e in body.split(b"\n\n") if e]
check(len(events) == count, "sse: %d events, want %d: %r" % (len(events), count, body))
sent = []  # the handler's clock when it wrote line n
for n, e in enumerate(events, 1):
    check(e.startswith(b"data: "), "sse event %r" % e)
    d = json.loads(e[6:])
    check(d["n"] == n and d["of"] == count, "sse event %r" % d)
    sent.append(d["ms"])
# when did each line arrive?
arrived, seen = [], b""
for at, c in chunks:
    seen += c
    while len(arrived) < count and seen.count(b"data: ") > len(arrived):
        arrived.append(at)
first_at = arrived[0]
check(first_at < sent[-1],
      "the first event arrived at %.0f, after the handler wrote its last one at %d" % (first_at, sent[-1]))
lags = [a - s for a, s in zip(arrived, sent)]
print("sse: first event %.0f ms before the handler's last write; lags %s ms"
      % (sent[-1] - first_at, [round(x) for x in lags]))

# lambda_fail() mid-stream: the lines, then the error
chunks, complete = stream("failer", {"lines": 3})
data = b"".join(c for _, c in chunks)
check(data == b"line 0\nline 1\nline 2\n", "failer: partial body %r" % data)
check(complete.get("ErrorCode") == "StreamFailed", "failer: InvokeComplete %r" % complete)
err = json.loads(complete.get("ErrorDetails", "{}"))
check(err.get("errorType") == "StreamFailed" and err.get("errorMessage") == "failed after 3 lines",
      "failer: ErrorDetails %r" % complete.get("ErrorDetails"))

# the exactly-once rules from inside a handler
chunks, complete = stream("rules", {})
data = b"".join(c for _, c in chunks)
check(data == b"write-before-open refused\nrespond-after-open refused\nsecond-open refused\n",
      "rules: %r" % data)
check(complete.get("ErrorCode") == "Rules" and "ended by lambda_fail" in complete.get("ErrorDetails", ""),
      "rules: InvokeComplete %r" % complete)

# a streaming function called through the buffered Invoke API
pattern = bytes(range(251)) * 400
r = lam.invoke(FunctionName="bulk", Payload=json.dumps({"bytes": 100000, "chunk": 1000}))
check(r["StatusCode"] == 200 and "FunctionError" not in r, "buffered invoke of bulk %r" % r)
check(r["Payload"].read() == pattern[:100000], "buffered invoke of bulk: wrong bytes")
r = lam.invoke(FunctionName="failer", Payload=b'{"lines":1}')
check(r.get("FunctionError") == "Unhandled", "buffered invoke of failer %r" % r)
check(json.loads(r["Payload"].read())["errorType"] == "StreamFailed", "buffered failer payload")
print("boto3 streaming: ok")
