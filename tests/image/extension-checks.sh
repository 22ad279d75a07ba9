# tests/image/extension-checks.sh -- sourced by tests/image/run: a Lambda
# extension written in C in a function image (examples/extension/): the
# sample summary extension beside the examples/ function, run the README's
# way (the emulator inside, -p), prints one SUMMARY line per invocation with
# its REPORT line's Duration and Max Memory Used; sandbox.localdomain
# resolves to 127.0.0.1 inside.  Needs $EXAMPLE (t_example) and $SDK built.

EXT_IMAGE=localhost/lambda-c-example-summary:latest

t_extension_example() {
    local name=summary rc=0 out ids="" id n hosts
    podman build --layers --build-arg FUNCTION_IMAGE="$EXAMPLE" --build-arg SDK_IMAGE="$SDK" \
        -f "$srcdir/examples/extension/Dockerfile" -t "$EXT_IMAGE" "$srcdir" || return 1
    start_fn "$name" -- "$EXT_IMAGE" || { stop_fn "$name"; return 1; }
    for n in 1 2 3; do
        out=$(invoke "$FN_PORT") || { rc=1; break; }
        expect 'Greetings, Chris' "$out" || { rc=1; break; }
        id=$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^[Xx]-[Aa]mzn-[Rr]equest[Ii]d: //p')
        [ -n "$id" ] || { echo "no request id in the answer"; rc=1; break; }
        ids="$ids $id"
    done
    hosts=$(podman exec "$LCR_RUN_ID-$name" getent hosts sandbox.localdomain)
    echo "getent hosts sandbox.localdomain: $hosts"
    case $hosts in 127.0.0.1*) ;; *) echo "sandbox.localdomain does not resolve to 127.0.0.1"; rc=1 ;; esac
    # The last platform.report comes in the Shutdown phase (as on Lambda):
    # stop the container (SIGTERM to the emulator), then read its log.
    podman stop -t 10 "$LCR_RUN_ID-$name" >/dev/null || rc=1
    podman logs "$LCR_RUN_ID-$name" >"$LCR_SCRATCH/summary.log" 2>&1
    grep -q "^EXTENSION	Name: summary	State: Ready	Events: \[INVOKE,SHUTDOWN\]" "$LCR_SCRATCH/summary.log" ||
        { echo "the summary extension did not register"; rc=1; }
    # shellcheck disable=SC2086 # one argument per request id
    python3 "$srcdir/tests/lib/summary_lines.py" "$LCR_SCRATCH/summary.log" $ids || rc=1
    stop_fn "$name"
    return $rc
}
