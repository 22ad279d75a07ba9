#!/usr/bin/env python3
"""ext.py -- a Lambda extension written against AWS's Extensions API alone
(2020-01-01) with http.client, for the emulator's tests.  Its name is its
file name (a symlink in the extensions directory).  Each event it receives
is appended as one JSON line to $EXT_CTL/NAME.events and printed as
"NAME: EVENTTYPE REQUESTID" on stdout.

$EXT_MODE (the function's env.EXT_MODE) picks a failure, played once per
$EXT_CTL (the marker NAME.MODE.done then exists; later instances behave):
  crash-init   exit 3 before registering
  init-error   register, post init/error (Extension.TestFailure), exit 1
  exit-after-register   register, then exit 0 without calling event/next
  stall        after the first INVOKE never call event/next again
  slow         (every time) take 1 s over each INVOKE before event/next
anything else: register for INVOKE and SHUTDOWN, handle events until
SHUTDOWN, then exit 0.
"""
import http.client
import json
import os
import sys
import time

NAME = os.path.basename(sys.argv[0])
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
CTL = os.environ.get("EXT_CTL", "/tmp")
MODE = os.environ.get("EXT_MODE", "normal")
BASE = "/2020-01-01/extension"


def once():
    """True the first time MODE's failure is played under CTL."""
    try:
        fd = os.open(os.path.join(CTL, "%s.%s.done" % (NAME, MODE)), os.O_CREAT | os.O_EXCL)
        os.close(fd)
        return True
    except FileExistsError:
        return False


def call(method, path, body=None, headers=None):
    host, port = API.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    conn.request(method, BASE + path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


def main():
    failing = MODE != "normal" and once()
    if failing and MODE == "crash-init":
        sys.exit(3)
    r, data = call("POST", "/register", json.dumps({"events": ["INVOKE", "SHUTDOWN"]}),
                   {"Lambda-Extension-Name": NAME, "Lambda-Extension-Accept-Feature": "accountId"})
    if r.status != 200:
        print("%s: register failed: %d %s" % (NAME, r.status, data), flush=True)
        sys.exit(2)
    ext_id = r.getheader("Lambda-Extension-Identifier")
    with open(os.path.join(CTL, NAME + ".register"), "w") as f:
        f.write(data.decode())
    if failing and MODE == "init-error":
        call("POST", "/init/error", json.dumps({"errorMessage": "no config", "errorType": "TestFailure"}),
             {"Lambda-Extension-Identifier": ext_id,
              "Lambda-Extension-Function-Error-Type": "Extension.TestFailure"})
        sys.exit(1)
    if failing and MODE == "exit-after-register":
        sys.exit(0)
    while True:
        r, data = call("GET", "/event/next", headers={"Lambda-Extension-Identifier": ext_id})
        if r.status != 200:
            print("%s: event/next failed: %d %s" % (NAME, r.status, data), flush=True)
            sys.exit(2)
        ev = json.loads(data)
        with open(os.path.join(CTL, NAME + ".events"), "a") as f:
            f.write(json.dumps(ev) + "\n")
        print("%s: %s %s" % (NAME, ev["eventType"], ev.get("requestId", ev.get("shutdownReason"))),
              flush=True)
        if ev["eventType"] == "SHUTDOWN":
            sys.exit(0)
        if failing and MODE == "stall":
            time.sleep(3600)
        if MODE == "slow":
            time.sleep(1.0)


main()
