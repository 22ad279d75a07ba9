#!/usr/bin/env python3
"""cdp.py -- drive headless Chromium through the DevTools protocol (stdlib
only: a minimal WebSocket client).

    cdp.py CHROMIUM URL SCREENSHOT.png [SECONDS [GATE]]

(Also a module: console_browser.py uses its WebSocket and start_chromium.)
Opens URL, polls until the page's #result element has text (at most SECONDS,
default 30), saves a screenshot, and prints that text on stdout.  With GATE,
once the page lists n items in #events the file GATE.(n + 1) is created
(the test runtime's sse action waits for it before writing the next event).  Exit 1 with
a message on stderr when Chromium does not start or the page never finishes.
"""
import base64
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    def __init__(self, url, timeout):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise OSError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise OSError("websocket handshake refused: %r" % head[:200])
        self.next_id = 0

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise OSError("websocket closed")
            data += chunk
        return data

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x81])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            message += self._read(n)
            if b0 & 0x80:
                return message.decode()

    def call(self, method, **params):
        self.next_id += 1
        self.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise OSError(f"{method}: {reply['error']}")
                return reply["result"]


def start_chromium(chromium, profile, deadline, size="900,700"):
    proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                             "--disable-background-networking", "--no-first-run",
                             "--user-data-dir=" + profile, "--remote-debugging-port=0",
                             "--window-size=" + size, "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, "DevToolsActivePort")
    while time.time() < deadline:
        if proc.poll() is not None:
            raise OSError(f"chromium exited with status {proc.returncode}")
        try:
            with open(port_file) as f:
                port = int(f.readline())
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5))
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return proc, pages[0]["webSocketDebuggerUrl"]
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    proc.kill()
    raise OSError("chromium did not open its DevTools port in time")


@contextlib.contextmanager
def chromium_session(chromium, deadline, size="900,700"):
    """Headless Chromium on a fresh profile: yields its page's DevTools
    WebSocket URL; the browser is killed and the profile removed after."""
    profile = tempfile.mkdtemp()
    proc = None
    try:
        proc, ws_url = start_chromium(chromium, profile, deadline, size)
        yield ws_url
    finally:
        if proc:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    chromium, url, shot = sys.argv[1:4]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 30
    gate = sys.argv[5] if len(sys.argv) > 5 else None
    deadline = time.time() + seconds
    try:
        with chromium_session(chromium, deadline) as ws_url:
            ws = WebSocket(ws_url, timeout=seconds)
            ws.call("Page.enable")
            ws.call("Page.navigate", url=url)
            text = ""
            while time.time() < deadline:
                r = ws.call("Runtime.evaluate", returnByValue=True,
                            expression="JSON.stringify([document.querySelectorAll('#events li').length,"
                                       "(document.getElementById('result')||{}).textContent||''])")
                shown, text = json.loads(r["result"].get("value") or '[0, ""]')
                if gate:  # the page shows event n: let the function write n + 1
                    for n in range(1, shown + 1):
                        open("%s.%d" % (gate, n + 1), "a").close()
                if text:
                    break
                time.sleep(0.1)
            png = ws.call("Page.captureScreenshot", format="png")["data"]
            with open(shot, "wb") as f:
                f.write(base64.b64decode(png))
            if not text:
                print(f"cdp.py: {url}: #result still empty after {seconds:g} s", file=sys.stderr)
                return 1
            print(text)
            return 0
    except OSError as e:
        print(f"cdp.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
