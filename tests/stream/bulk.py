#!/usr/bin/env python3
"""bulk.py URL BYTES -- boto3 invoke_with_response_stream of stream.bulk:
every byte of the BYTES-long pattern (0..250 repeating) arrives in order,
and InvokeComplete carries no error.  Prints the seconds it took."""
import json
import sys
import time

import boto3
import botocore.config

url, size = sys.argv[1], int(sys.argv[2])
lam = boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="x", aws_secret_access_key="x",
                   config=botocore.config.Config(retries={"max_attempts": 0}, read_timeout=120))
period = 251
pattern = bytes(range(period)) * (2 * 1024 * 1024 // period + 2)
start = time.monotonic()
r = lam.invoke_with_response_stream(FunctionName="bulk", Payload=json.dumps({"bytes": size}))
got, complete = 0, None
for ev in r["EventStream"]:
    if "PayloadChunk" in ev:
        c = ev["PayloadChunk"]["Payload"]
        o = got % period
        if len(c) > len(pattern) - o or pattern[o:o + len(c)] != c:
            sys.exit("FAIL: wrong bytes in the chunk at offset %d (%d bytes)" % (got, len(c)))
        got += len(c)
    elif "InvokeComplete" in ev:
        complete = ev["InvokeComplete"]
if got != size:
    sys.exit("FAIL: received %d bytes, want %d" % (got, size))
if complete is None or complete.get("ErrorCode"):
    sys.exit("FAIL: InvokeComplete %r" % complete)
print("%.2f" % (time.monotonic() - start))
