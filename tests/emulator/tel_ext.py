#!/usr/bin/env python3
"""tel_ext.py -- a Lambda extension that subscribes to the Telemetry API
(AWS's documented wire format, Python's http.server and http.client only),
for the emulator's tests.  It listens on a free port, subscribes with the
destination http://sandbox.localdomain:PORT (types platform, function and
extension, timeoutMs 25), and appends every record it receives, one JSON a
line, to $EXT_CTL/telemetry.  It prints "NAME: INVOKE REQUEST-ID" for each
INVOKE (a line of its own output: an extension record).  On SHUTDOWN it
waits (at most 5 s) for a platform.report and the record of that line per
INVOKE it got, as extensions that ship telemetry do, then exits.

With $EXT_CTL/stall present when a batch arrives, it creates
$EXT_CTL/stalled and does not answer that batch until $EXT_CTL/release
exists (at most 60 s): a slow subscriber.  With $EXT_CTL/stall-invoke
present too, only batches that hold a platform.start stall.
"""
import http.client
import http.server
import json
import os
import sys
import threading
import time

NAME = os.path.basename(sys.argv[0])
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
CTL = os.environ["EXT_CTL"]
reports = set()  # request ids of the platform.report records received
own_lines = set()
lock = threading.Lock()


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if os.path.exists(os.path.join(CTL, "stall")) and (
                not os.path.exists(os.path.join(CTL, "stall-invoke")) or
                any(r["type"] == "platform.start" for r in json.loads(body))):
            open(os.path.join(CTL, "stalled"), "a").close()
            for _ in range(600):
                if os.path.exists(os.path.join(CTL, "release")):
                    break
                time.sleep(0.1)
        with lock, open(os.path.join(CTL, "telemetry"), "a") as f:
            for rec in json.loads(body):
                f.write(json.dumps(rec) + "\n")
                if rec["type"] == "platform.report":
                    reports.add(rec["record"]["requestId"])
                if rec["type"] == "extension" and str(rec["record"]).startswith(NAME + ": INVOKE "):
                    own_lines.add(rec["record"])
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, body=None, headers=None):
    host, port = API.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    r, _ = call("POST", "/2020-01-01/extension/register", json.dumps({"events": ["INVOKE", "SHUTDOWN"]}),
                {"Lambda-Extension-Name": NAME})
    ext_id = r.getheader("Lambda-Extension-Identifier")
    sub = {"schemaVersion": "2022-12-13", "types": ["platform", "function", "extension"],
           "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25},
           "destination": {"protocol": "HTTP",
                           "URI": "http://sandbox.localdomain:%d" % server.server_address[1]}}
    r, data = call("PUT", "/2022-07-01/telemetry", json.dumps(sub), {"Lambda-Extension-Identifier": ext_id})
    print("%s: subscribe: %d %s" % (NAME, r.status, data.decode()), flush=True)
    invokes = 0
    while True:
        r, data = call("GET", "/2020-01-01/extension/event/next",
                       headers={"Lambda-Extension-Identifier": ext_id})
        ev = json.loads(data)
        if ev["eventType"] == "INVOKE":
            invokes += 1
            print("%s: INVOKE %s" % (NAME, ev["requestId"]), flush=True)
            continue
        for _ in range(50):
            with lock:
                if len(reports) >= invokes and len(own_lines) >= invokes:
                    break
            time.sleep(0.1)
        sys.exit(0)


main()
