#!/usr/bin/env python3
"""http_edge.py PORT -- requests at the edges of HTTP and of the Invoke API,
sent over raw sockets so that nothing tidies them up first.  Prints one line
per check; exits 1 at the first that fails."""
import base64
import json
import socket
import sys

port = int(sys.argv[1])
PATH = "/2015-03-31/functions/function/invocations"


def fail(what):
    print("FAIL: " + what)
    sys.exit(1)


def raw(request, limit=30):
    """Send bytes, read the whole answer (the server closes, or one response
    with Content-Length arrives): status, headers (lower-case), body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=limit)
    s.sendall(request)
    data = b""
    try:
        while True:
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                lines = head.decode("latin-1").split("\r\n")
                hdrs = dict((k.strip().lower(), v.strip()) for k, v in
                            (l.split(":", 1) for l in lines[1:] if ":" in l))
                if "content-length" in hdrs and len(body) >= int(hdrs["content-length"]):
                    s.close()
                    return int(lines[0].split()[1]), hdrs, body[:int(hdrs["content-length"])]
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        fail("no complete answer in %d s to %r (got %r)" % (limit, request[:120], data[:200]))
    s.close()
    fail("connection closed without a complete answer to %r (got %r)" % (request[:120], data[:200]))


def post(path, body=b"{}", headers=()):
    req = "POST %s HTTP/1.1\r\nHost: x\r\n" % path
    hl = list(headers)
    if not any(h.lower().startswith(("content-length:", "transfer-encoding:")) for h in hl):
        hl.append("Content-Length: %d" % len(body))
    return raw((req + "".join(h + "\r\n" for h in hl) + "\r\n").encode("latin-1") + body)


def expect(what, got, status, etype, msg_part=""):
    code, hdrs, body = got
    try:
        doc = json.loads(body)
    except ValueError:
        fail("%s: body is not JSON: %r" % (what, body))
    if code != status or hdrs.get("x-amzn-errortype") != etype or msg_part not in doc.get("message", ""):
        fail("%s: expected %d %s %r, got %d %s %r" % (what, status, etype, msg_part, code,
                                                     hdrs.get("x-amzn-errortype"), body))
    print("ok: %s -> %d %s" % (what, code, etype))
    return doc


# Framing: two different lengths, an unknown transfer coding, both at once.
expect("two different Content-Length", post(PATH, b"{}", ["Content-Length: 2", "Content-Length: 5"]),
       400, "BadRequestException", "Content-Length")
expect("Transfer-Encoding: gzip", post(PATH, b"", ["Transfer-Encoding: gzip"]),
       501, "NotImplementedException", "gzip")
expect("Content-Length and Transfer-Encoding", post(PATH, b"0\r\n\r\n", ["Content-Length: 5", "Transfer-Encoding: chunked"]),
       400, "BadRequestException")

# Values that would not survive as a Runtime API header.
expect("Qualifier with CR LF", post(PATH + "?Qualifier=a%0D%0AX-Injected:%201"),
       400, "ValidationException", "qualifier")
expect("tenant id with a control byte", post(PATH, b"{}", ["X-Amz-Tenant-Id: blue\x01x"]),
       400, "ValidationException", "at 'tenantId' failed to satisfy constraint")
expect("tenant id over 256 bytes", post(PATH, b"{}", ["X-Amz-Tenant-Id: " + "t" * 257]),
       400, "ValidationException", "tenantId")
cc = base64.b64encode(b'{"a":1,\r\n"b":2}').decode()
expect("client context with CR LF", post(PATH, b"{}", ["X-Amz-Client-Context: " + cc]),
       400, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.")

# A client context, then a payload that is not JSON: refused, and the
# decoded context is not kept (the sanitizer build's leak check sees it).
cc = base64.b64encode(b'{"custom":{"a":1}}').decode()
expect("client context and a payload not JSON", post(PATH, b"hello", ["X-Amz-Client-Context: " + cc]),
       400, "InvalidRequestContentException", "Could not parse request body into json")

# Functions and qualifiers that do not exist here.
arn = "arn:aws:lambda:us-east-1:999999999999:function:function"
expect("ARN of another account", post("/2015-03-31/functions/%s/invocations" % arn),
       404, "ResourceNotFoundException", "Function not found: " + arn)
expect("unknown qualifier in the name", post("/2015-03-31/functions/function:nope/invocations"),
       404, "ResourceNotFoundException",
       "Function not found: arn:aws:lambda:us-east-1:123456789012:function:function:nope")
expect("unknown ?Qualifier=", post(PATH + "?Qualifier=99"), 404, "ResourceNotFoundException",
       "Function not found: arn:aws:lambda:us-east-1:123456789012:function:function:99")
# What the caller sent, quoted back in an error, keeps the document valid
# JSON (strict UTF-8) even when it is not UTF-8 or is cut in a character.
expect("function name not UTF-8", post("/2015-03-31/functions/fu%FFnction/invocations"),
       400, "ValidationException", "functionName")
expect("?Qualifier= cut in a character", post(PATH + "?Qualifier=%C3"), 400, "ValidationException",
       "qualifier")
expect("long name cut in a character", post("/2015-03-31/functions/%s%%C3%%A9/invocations" % ("a" * 139)),
       400, "ValidationException", "functionName")
expect("qualifiers that disagree", post("/2015-03-31/functions/function:live/invocations?Qualifier=other"),
       400, "InvalidParameterValueException", "does not match")

# AWS parity: a payload that is not JSON; an unknown path.
doc = expect("payload not JSON", post(PATH, b"hello"), 400, "InvalidRequestContentException",
             "Could not parse request body into json: Could not parse payload into json: ")
expect("payload with trailing bytes", post(PATH, b'{"a":1} x'), 400, "InvalidRequestContentException")
expect("payload not UTF-8", post(PATH, b'"\xff\xfe"'), 400, "InvalidRequestContentException")
expect("unknown path", post("/2015-03-31/functions/function/nothing"), 404, "UnknownOperationException",
       "Unknown operation")

# Accepted: $LATEST and a configured qualifier; an empty payload is {}.
code, hdrs, body = post(PATH + "?Qualifier=$LATEST", b'{"ok":1}')
if code != 200 or json.loads(body) != {"ok": 1}:
    fail("?Qualifier=$LATEST: %d %r" % (code, body))
code, hdrs, body = post("/2015-03-31/functions/function:live/invocations", b'{"action":"context"}')
if code != 200 or not json.loads(body)["headers"]["Lambda-Runtime-Invoked-Function-Arn"].endswith(":function:function:live"):
    fail("configured qualifier live: %d %r" % (code, body))
tenant = "blue.team_1:a/b=c+d-e@f g"
code, hdrs, body = post(PATH, b'{"action":"context"}', ["X-Amz-Tenant-Id: " + tenant])
if code != 200 or json.loads(body)["headers"].get("Lambda-Runtime-Aws-Tenant-Id") != tenant:
    fail("tenant id of every allowed character: %d %r" % (code, body))
code, hdrs, body = post(PATH, b"")
if code != 200 or body != b"{}":
    fail("empty payload: the function must get {} as on AWS, got %d %r" % (code, body))
print("ok: $LATEST, a configured qualifier, an empty payload ({})")

# A runtime's /error body that is not valid JSON reaches the caller as
# valid error JSON.
for rawbody in ["not json {", '{"errorMessage":"x"} trailing', "bad \xff byte", "surrogate \xed\xa0\x80",
                "past U+10FFFF \xf4\x90\x80\x80", '{"errorMessage":"surrogate \xed\xa0\x80"}']:
    code, hdrs, body = post(PATH, json.dumps({"action": "error", "raw": rawbody}).encode())
    try:
        doc = json.loads(body.decode("utf-8"))
    except ValueError:
        fail("/error body %r reached the caller as %r, not JSON" % (rawbody, body))
    if code != 200 or hdrs.get("x-amz-function-error") != "Unhandled" or not isinstance(doc, dict) \
            or doc.get("errorType") != "HandlerError":
        fail("/error body %r: %d %r" % (rawbody, code, body))
print("ok: /error bodies that are not JSON reach the caller as error JSON")

# InvokeAsync (deprecated): 202, and the function runs.
code, hdrs, body = post("/2014-11-13/functions/function/invoke-async/", b'{"async":1}')
if code != 202 or json.loads(body) != {"Status": 202} or not hdrs.get("x-amzn-requestid"):
    fail("InvokeAsync: %d %r %r" % (code, hdrs, body))
print("ok: InvokeAsync -> 202 " + hdrs["x-amzn-requestid"])
print(hdrs["x-amzn-requestid"], file=sys.stderr)
