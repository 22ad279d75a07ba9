# tests/image/front-checks.sh -- checks of the image in service mode (the
# HTTP front) and of the native-dependency example (examples/qr); sourced
# by tests/image/run, which provides start_fn, fn_wait, invoke, expect,
# stop_fn and the image names.

QR_IMAGE=localhost/lambda-c-qr:latest

# published_port NAME PORT: the loopback port podman published PORT on.
published_port() {
    podman port "$LCR_RUN_ID-$1" "$2/tcp" | sed -n 's/.*:\([0-9]*\)$/\1/p' | head -n 1
}

# start_service NAME IMAGE [ARGS...]: run IMAGE with LAMBDA_HTTP_LISTEN on
# :3000, both ports published; sets FRONT_PORT and FN_PORT (8080).
start_service() {
    local name=$1; shift
    start_fn "$name" -p 127.0.0.1::3000 -e LAMBDA_HTTP_LISTEN=0.0.0.0:3000 -- "$@" || return 1
    FRONT_PORT=$(published_port "$name" 3000)
    [ -n "$FRONT_PORT" ] || { echo "port 3000 of $name is not published"; return 1; }
    fn_wait "$LCR_RUN_ID-$name" "http://127.0.0.1:$FRONT_PORT/"
}

# The image, unchanged, as a plain web service: the CMD is the function,
# the article's request answers through the front; the Invoke API still
# answers beside it.
t_service_mode() {
    local out rc=0
    start_service service "$IMAGE" || { stop_fn service; return 1; }
    out=$(curl -sS -i --max-time 30 "http://127.0.0.1:$FRONT_PORT/hello?name=Chris") || rc=1
    expect 'HTTP/1.1 200' "$out" || rc=1
    expect 'Content-Type: application/json' "$out" || rc=1
    expect '"status": 200, "message": "Hello, Chris"}' "$out" || rc=1
    out=$(curl -sS -i --max-time 30 "http://127.0.0.1:$FRONT_PORT/goodbye") || rc=1
    expect '"message": "Goodbye, World"' "$out" || rc=1
    out=$(invoke "$FN_PORT") || rc=1
    expect 'Hello, Chris' "$out" || rc=1
    stop_fn service
    return $rc
}

# examples/qr: apt-get installs libqrencode and libpng in its Dockerfile; the
# PNG comes back base64 through the Invoke API and as raw bytes through the
# front, and pngcheck (Debian) accepts it.
t_qr_example() {
    local rc=0 png=$LCR_SCRATCH/qr.png out
    command -v pngcheck >/dev/null || { echo "pngcheck is not installed (scripts/deps)"; return 1; }
    podman build --layers -t "$QR_IMAGE" "$srcdir/examples/qr" || return 1
    start_service qr "$QR_IMAGE" || { stop_fn qr; return 1; }
    out=$(curl -sS -D - -o "$png" --max-time 30 "http://127.0.0.1:$FRONT_PORT/qr?text=lambda-c-runtime") || rc=1
    expect 'Content-Type: image/png' "$out" || rc=1
    pngcheck "$png" || rc=1
    file "$png" | grep 'PNG image data' || rc=1
    printf '{"rawPath":"/qr","queryStringParameters":{"text":"lambda-c-runtime"}}' >"$LCR_SCRATCH/qr.json"
    out=$(curl -sS --max-time 30 --data-binary "@$LCR_SCRATCH/qr.json" \
        "http://127.0.0.1:$FN_PORT/2015-03-31/functions/function/invocations") || rc=1
    python3 -c 'import base64, json, sys
r = json.loads(sys.argv[1])
assert r["isBase64Encoded"] is True and r["headers"]["Content-Type"] == "image/png", r.keys()
assert base64.b64decode(r["body"]) == open(sys.argv[2], "rb").read(), "front and Invoke API differ"
print("Invoke API: base64 PNG, the same bytes as through the front")' "$out" "$png" || rc=1
    stop_fn qr
    return $rc
}
