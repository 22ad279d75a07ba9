#!/usr/bin/env python3
"""sdk.py URL -- boto3, unmodified, against the emulator: invoke (with Tail
and ClientContext, function errors, Event, DryRun, 404) and
invoke_with_response_stream (chunks arrive as the runtime writes them; a
mid-stream error arrives in InvokeComplete)."""
import base64
import json
import os
import sys
import tempfile

import boto3
import botocore.config
import botocore.exceptions

url = sys.argv[1]
lam = boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="x", aws_secret_access_key="x",
                   config=botocore.config.Config(retries={"max_attempts": 0}, read_timeout=30))


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


# invoke, RequestResponse, Tail, ClientContext
cc = base64.b64encode(json.dumps({"custom": {"who": "boto3"}}).encode()).decode()
r = lam.invoke(FunctionName="function", Payload=json.dumps({"action": "context"}),
               LogType="Tail", ClientContext=cc)
check(r["StatusCode"] == 200, "invoke status %r" % r["StatusCode"])
check(r["ExecutedVersion"] == "$LATEST", "ExecutedVersion %r" % r.get("ExecutedVersion"))
out = json.loads(r["Payload"].read())
check(json.loads(out["headers"]["Lambda-Runtime-Client-Context"])["custom"]["who"] == "boto3",
      "client context %r" % out["headers"].get("Lambda-Runtime-Client-Context"))
log = base64.b64decode(r["LogResult"]).decode()
check("REPORT RequestId: " + r["ResponseMetadata"]["RequestId"] in log, "LogResult: %r" % log)

# a function error
r = lam.invoke(FunctionName="function", Payload=json.dumps({"action": "error", "message": "nope"}))
check(r.get("FunctionError") == "Unhandled", "FunctionError %r" % r.get("FunctionError"))
check(json.loads(r["Payload"].read())["errorMessage"] == "nope", "error payload")

# Event and DryRun
r = lam.invoke(FunctionName="function", InvocationType="Event", Payload=b'{"e":1}')
check(r["StatusCode"] == 202, "Event status %r" % r["StatusCode"])
r = lam.invoke(FunctionName="function", InvocationType="DryRun", Payload=b'{}')
check(r["StatusCode"] == 204, "DryRun status %r" % r["StatusCode"])
r = lam.invoke_async(FunctionName="function", InvokeArgs=b'{"async":1}')
check(r["Status"] == 202, "InvokeAsync status %r" % r["Status"])

# a payload that is not JSON: AWS's InvalidRequestContentException
try:
    lam.invoke(FunctionName="function", Payload=b"not json")
    check(False, "no error for a payload that is not JSON")
except lam.exceptions.InvalidRequestContentException as e:
    check("Could not parse request body into json" in str(e), "400 message %s" % e)

# unknown function
try:
    lam.invoke(FunctionName="nosuch", Payload=b"{}")
    check(False, "no error for an unknown function")
except lam.exceptions.ResourceNotFoundException as e:
    check("Function not found" in str(e), "404 message %s" % e)

# invoke_with_response_stream: chunks as they are produced.  The runtime
# writes chunk i only once the gate file GATE.i exists, which this caller
# creates when it has received chunk i - 1: a stream held back until the
# end would make the runtime give up (and say so in the body).
gatedir = tempfile.TemporaryDirectory()  # removed at exit
gate = os.path.join(gatedir.name, "gate")
r = lam.invoke_with_response_stream(FunctionName="function",
                                    Payload=json.dumps({"action": "stream", "chunks": 3, "pause": 0,
                                                        "gate": gate}),
                                    LogType="Tail")
check(r["StatusCode"] == 200, "stream status %r" % r["StatusCode"])
chunks, complete, seen = [], None, b""
for ev in r["EventStream"]:
    if "PayloadChunk" in ev:
        chunks.append(ev["PayloadChunk"]["Payload"])
        seen += chunks[-1]
        open("%s.%d" % (gate, seen.count(b"\n")), "w").close()
    elif "InvokeComplete" in ev:
        complete = ev["InvokeComplete"]
data = b"".join(chunks)
check(data == b"chunk 0\nchunk 1\nchunk 2\n", "chunks did not arrive as produced: %r" % data)
check(complete is not None and not complete.get("ErrorCode"), "InvokeComplete %r" % complete)
check("REPORT RequestId" in base64.b64decode(complete.get("LogResult", "")).decode(), "stream LogResult")

# a streamed response past the buffered 6 MB limit
r = lam.invoke_with_response_stream(FunctionName="function",
                                    Payload=json.dumps({"action": "stream", "chunks": 10, "pause": 0,
                                                        "repeat": 100000}))
events = list(r["EventStream"])
size = sum(len(e["PayloadChunk"]["Payload"]) for e in events if "PayloadChunk" in e)
check(size == 8000000, "streamed 8 MB, got %d bytes" % size)
check(not [e for e in events if "InvokeComplete" in e][0]["InvokeComplete"].get("ErrorCode"), "8 MB stream error")

# a mid-stream error: the bytes so far, then the error in InvokeComplete
r = lam.invoke_with_response_stream(FunctionName="function",
                                    Payload=json.dumps({"action": "stream", "chunks": 2, "pause": 0, "fail": 1}))
events = list(r["EventStream"])
data = b"".join(e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e)
complete = [e["InvokeComplete"] for e in events if "InvokeComplete" in e]
check(data == b"chunk 0\nchunk 1\n", "bytes before the error %r" % data)
check(len(complete) == 1 and complete[0].get("ErrorCode") == "StreamError" and
      "failed mid-stream" in complete[0].get("ErrorDetails", ""), "mid-stream error %r" % complete)

# a buffered answer through the streaming API, and a buffered error
r = lam.invoke_with_response_stream(FunctionName="function", Payload=b'{"plain":true}')
events = list(r["EventStream"])
data = b"".join(e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e)
check(data == b'{"plain":true}', "buffered via stream %r" % data)
r = lam.invoke_with_response_stream(FunctionName="function", Payload=b'{"action":"error","message":"x"}')
complete = [e["InvokeComplete"] for e in r["EventStream"] if "InvokeComplete" in e]
check(complete and complete[0].get("ErrorCode") == "HandlerError", "buffered error via stream %r" % complete)
print("boto3: ok")
