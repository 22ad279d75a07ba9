#!/bin/bash
# crash.sh -- a handler that dies mid-stream (streamprobe.crash_midway,
# abort() after two lines): the caller gets the partial body, then a
# Runtime.ExitError naming the signal, never a hang; the function keeps
# serving.  With and without bootstrap's supervisor.  (The partial body may
# be cut short: lambda-emulator can apply the error, which arrives on
# another connection, before it has read the dead worker's last chunks.)
. "$top_srcdir/tests/stream/lib.sh"
for sup in true false; do
  start_stream_emulator $sup
  python3 - "$url" "$sup" <<'PY' || fail "crash mid-stream (supervisor = $sup)"
import json, sys
import boto3, botocore.config
lam = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="x", aws_secret_access_key="x",
                   config=botocore.config.Config(retries={"max_attempts": 0}, read_timeout=20))
for attempt in range(2):
    r = lam.invoke_with_response_stream(FunctionName="crash", Payload=b"{}")
    events = list(r["EventStream"])
    data = b"".join(e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e)
    done = [e["InvokeComplete"] for e in events if "InvokeComplete" in e]
    # The two lines reach the Runtime API before the abort, but the error
    # comes from the supervisor (or the emulator) on another connection and
    # may overtake them inside the emulator: some, all or none of them.
    if not b"line 0\nline 1\n".startswith(data):
        sys.exit("partial body %r" % data)
    if data != b"line 0\nline 1\n":
        print("note: %d of the 14 bytes written before the crash reached the caller" % len(data))
    if len(done) != 1 or done[0].get("ErrorCode") != "Runtime.ExitError" or \
       "abort" not in done[0].get("ErrorDetails", "").lower():
        sys.exit("InvokeComplete %r" % done)
# still serving
r = lam.invoke_with_response_stream(FunctionName="failer", Payload=b'{"lines":1}')
data = b"".join(e["PayloadChunk"]["Payload"] for e in r["EventStream"] if "PayloadChunk" in e)
if data != b"line 0\n":
    sys.exit("after the crash: %r" % data)
print("crash (supervisor = %s): %s" % (sys.argv[2], done[0]["ErrorDetails"][:160]))
PY
  stop_emulator
done
echo "PASS: crash"
