#!/usr/bin/env python3
"""console_browser.py -- the emulator's console in headless Chromium (over
the DevTools protocol, cdp.py's client), judged by its DOM.

    console_browser.py CHROMIUM BASE_URL EMULATOR_PID SHOT_PREFIX

BASE_URL is the Invoke API (http://127.0.0.1:PORT).  The emulator serves
function "fn" (tests/emulator/runtime.py, timeout 1 s) and "hello"
(bootstrap + lambda_function.so).  With the console open, this script
invokes (Python's http.client is the caller) and checks:
  1. three invocations -- ok (with log lines), function error, timeout --
     are listed with their request ids and statuses; a click shows the log
     lines of the first;
  2. a log line and a saved event holding HTML and script are shown as
     text: no element is created from them and no script runs;
  3. the Test tab invokes the built-in API Gateway GET /hello?name=Chris
     event on "hello" and shows "Hello, Chris";
  4. 10,000 invocations: the page keeps at most its bounds (rows, kept
     invocations), handles every record, and stays responsive; prints the
     emulator's memory (VmRSS, VmHWM) before and after, and the page's
     render times.
Screenshots: SHOT_PREFIX-invocations.png, -test.png, -load.png.
Exit 1 with a message on a failure.
"""
import base64
import http.client
import json
import os
import sys
import threading
import time

from cdp import WebSocket, chromium_session

EVIL = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


class Failed(Exception):
    pass


def invoke(base, fn, event, conn=None):
    host = base.split("//", 1)[1]
    c = conn or http.client.HTTPConnection(host, timeout=60)
    c.request("POST", f"/2015-03-31/functions/{fn}/invocations", json.dumps(event))
    r = c.getresponse()
    body = r.read()
    if conn is None:
        c.close()
    return r.getheader("x-amzn-RequestId"), r.getheader("X-Amz-Function-Error"), body


class Page:
    def __init__(self, ws):
        self.ws = ws

    def js(self, expression):
        r = self.ws.call("Runtime.evaluate", expression=expression, returnByValue=True,
                         awaitPromise=True)
        if "exceptionDetails" in r:
            raise Failed(f"page script failed: {expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def until(self, expression, what, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            v = self.js(expression)
            if v:
                return v
            time.sleep(0.1)
        raise Failed(f"timed out after {seconds} s waiting for {what} ({expression})")

    def shot(self, path):
        png = self.ws.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))


def row_status(page, rid):
    return page.js(f"(function(){{const r=document.querySelector('tr.inv[data-id=\"{rid}\"]');"
                   "return r ? r.cells[3].textContent : null;})()")


def three_invocations(page, base, shot):
    ok, _, _ = invoke(base, "fn", {"action": "print", "lines": 2})
    err, ferr, _ = invoke(base, "fn", {"action": "error", "message": "on purpose"})
    slow, terr, _ = invoke(base, "fn", {"action": "sleep", "seconds": 30})
    if ferr != "Unhandled" or terr != "Unhandled":
        raise Failed(f"the error and timeout invocations did not fail: {ferr}, {terr}")
    want = {ok: "ok", err: "function error (HandlerError)", slow: "timeout"}
    for rid, status in want.items():
        page.until(f"(function(){{const r=document.querySelector('tr.inv[data-id=\"{rid}\"]');"
                   f"return r && r.cells[3].textContent === {json.dumps(status)};}})()",
                   f"the row of {rid} with status {status}")
    page.js(f"document.querySelector('tr.inv[data-id=\"{ok}\"]').click()")
    logs = page.until("document.getElementById('logs').textContent", "log lines after a click")
    for i in range(2):
        if f"line {i} of {ok}" not in logs:
            raise Failed(f"the log lines of {ok} are not shown after a click: {logs!r}")
    page.shot(shot)
    print(f"console: 3 invocations listed ({ok} ok, {err} function error, {slow} timeout); "
          "a click shows the log lines")


def nothing_executed(page, where):
    found = page.js("JSON.stringify([window.pwned === undefined, document.querySelectorAll("
                    "'#logs *, #test-response *, #test-log *, #invocations td *, #notices *, "
                    "#functions td *, img').length])")
    clean, elements = json.loads(found)
    if not clean or elements:
        raise Failed(f"{where}: the HTML of the text became part of the page "
                     f"(script ran: {not clean}, elements: {elements})")


def escaping(page, base):
    rid, _, _ = invoke(base, "fn", {"action": "say", "text": EVIL})
    page.until(f"!!document.querySelector('tr.inv[data-id=\"{rid}\"]')", "the HTML line's row")
    page.js(f"document.querySelector('tr.inv[data-id=\"{rid}\"]').click()")
    page.until(f"document.getElementById('logs').textContent.includes({json.dumps(EVIL)})",
               "the HTML log line shown as text")
    nothing_executed(page, "a log line")
    # A saved event holding HTML, invoked from the Test tab.
    page.js("document.getElementById('tab-test').click()")
    page.until("document.getElementById('sample').options.length > 2", "the saved events")
    page.js("(function(){const s=document.getElementById('sample');"
            "for (const o of s.options) if (o.textContent === 'evil.json') s.value = o.value;"
            "s.dispatchEvent(new Event('change'));"
            "document.getElementById('test-function').value = 'fn';"
            "document.getElementById('invoke').click();})()")
    page.until("document.getElementById('test-response').textContent.includes('<script>')",
               "the HTML answer shown as text")
    nothing_executed(page, "a saved event and its answer")
    print("console: HTML and script in a log line, an event and an answer are shown as text")


def test_tab(page, shot):
    page.js("document.getElementById('tab-test').click()")
    page.until("document.getElementById('test-function').options.length >= 2", "the functions")
    page.js("(function(){const s=document.getElementById('sample');"
            "for (const o of s.options) if (o.textContent.includes('GET /hello?name=Chris'))"
            " s.value = o.value;"
            "s.dispatchEvent(new Event('change'));"
            "document.getElementById('test-function').value = 'hello';"
            "document.getElementById('invoke').click();})()")
    text = page.until("(function(){const t=document.getElementById('test-response').textContent;"
                      "return t.includes('Hello, Chris') ? t : '';})()",
                      "Hello, Chris in the Test tab's response")
    report = page.until("document.getElementById('test-report').textContent",
                        "the REPORT figures in the Test tab")
    if "Billed Duration" not in report:
        raise Failed(f"the Test tab's report has no figures: {report!r}")
    page.shot(shot)
    print("console: the Test tab invoked the saved API Gateway event: " +
          json.dumps(text.split("\n")[0]) + "...; report: " + report.split("\n")[1])


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                k, v = line.split(":")
                fields[k] = int(v.split()[0])
    return fields


def load(page, base, pid, shot, total=10000, threads=4):
    page.js("document.getElementById('tab-invocations').click()")
    before = memory(pid)
    records0 = page.js("window.consoleStats.records")
    errors = []
    mid = {}

    def worker(k):
        host = base.split("//", 1)[1]
        conn = http.client.HTTPConnection(host, timeout=60)
        try:
            for i in range(k, total, threads):
                rid, ferr, _ = invoke(base, "hello", {"rawPath": "/hello"}, conn)
                if ferr or not rid:
                    errors.append(f"invocation {i} failed: {ferr}")
                    return
                if i == total // 5:
                    mid.update(memory(pid))
        finally:
            conn.close()

    started = time.time()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.time() - started
    if errors:
        raise Failed(errors[0])
    after = memory(pid)
    # Every invocation makes a start and an end record: the page has them all
    # (or was told how many it missed) once the stream has caught up.
    page.until(f"window.consoleStats.records + window.consoleStats.lost >= {records0 + 2 * total}",
               "the page to take every record", 120)
    t0 = time.time()
    rows, kept = json.loads(page.js(
        "JSON.stringify([document.querySelectorAll('#invocations tbody tr').length,"
        "(document.getElementById('count').textContent.match(/\\d+/)||[0])[0]])"))
    answer_ms = (time.time() - t0) * 1000
    if rows > 200 or int(kept) > 1000:
        raise Failed(f"the page's bounds were not kept: {rows} rows, {kept} invocations")
    stats = page.js("JSON.stringify(window.consoleStats)")
    page.shot(shot)
    print(f"console: {total} invocations in {elapsed:.1f} s with the console open; "
          f"emulator VmRSS {before['VmRSS']} kB before, {mid.get('VmRSS')} kB after "
          f"{total // 5}, {after['VmRSS']} kB after (VmHWM {after['VmHWM']} kB); "
          f"page: {rows} rows, {kept} invocations kept, answered a query in {answer_ms:.0f} ms; "
          f"render stats {stats}")


def main():
    chromium, base, pid, prefix = sys.argv[1:5]
    try:
        with chromium_session(chromium, time.time() + 60, "1400,1000") as ws_url:
            ws = WebSocket(ws_url, timeout=120)
            page = Page(ws)
            ws.call("Page.enable")
            ws.call("Page.navigate", url=base + "/console/")
            page.until("document.getElementById('live') && "
                       "document.getElementById('live').textContent === 'live'",
                       "the live stream to connect")
            three_invocations(page, base, prefix + "-invocations.png")
            escaping(page, base)
            test_tab(page, prefix + "-test.png")
            load(page, base, int(pid), prefix + "-load.png")
            return 0
    except (Failed, OSError) as e:
        print(f"console_browser.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
