#!/bin/bash
# bootstrap.sh -- the emulator with the real runtime: this project's bootstrap
# and plugins (echo, lambda_function, tests/plugins' probe and initfail, and
# sleeper from this directory), several functions from one INI file.  Each
# caller gets what AWS gives: a handler past its timeout, one that segfaults,
# one whose init fails; the next invoke succeeds on a fresh instance.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
[ -x "$bootstrap" ] || { echo "SKIP: $bootstrap is not built"; exit 77; }
for so in plugins/.libs/echo.so plugins/.libs/lambda_function.so tests/plugins/.libs/probe.so \
          tests/plugins/.libs/initfail.so tests/emulator/.libs/sleeper.so; do
  [ -f "$top_builddir/$so" ] || fail "$so is not built"
  ln -s "$top_builddir/$so" "$task_root/"
done

cfg=$work/lambda-runtime.ini
cat >"$cfg" <<INI
[emulator]
runtime = $bootstrap
task_root = $task_root
concurrency = 4
[function echo]
handler = echo.handler
; carries the 6 MB round trip: seconds on a loaded machine under TSan, so
; a generous timeout (the default 3 s timed out there)
timeout = 120
[function hello]
handler = lambda_function.handler
[function sleepy]
handler = sleeper.handler
timeout = 1
concurrency = 1
[function hungry]
; touches memory: slow on a loaded machine, so a generous timeout
handler = sleeper.handler
timeout = 120
concurrency = 1
[function crash]
handler = probe.crash
; sanitized builds: let the SIGSEGV kill the runtime, as it does unsanitized
env.ASAN_OPTIONS = handle_segv=0:detect_leaks=0
[function initfail]
handler = initfail.handler
[function chaos]
handler = probe.chaos
INI
start_emulator --config "$cfg"
h=$work/h

[ "$(curl -s "$(invoke_url echo)" -d '{"x":[1,2]}')" = '{"x":[1,2]}' ] || fail "echo.handler"
out=$(curl -s "$(invoke_url hello)" -H "Content-Type: application/json" -d '{"version":"2.0","routeKey":"GET /hello","rawPath":"/hello","rawQueryString":"name=Chris","queryStringParameters":{"name":"Chris"},"requestContext":{"http":{"method":"GET","path":"/hello"}}}')
[ "$(jget "$out" 'json.loads(j["body"])["message"]')" = "Hello, Chris" ] || fail "lambda_function.handler: $out"

# A handler's printf() line is in its caller's Tail (stdout is line-buffered
# in bootstrap's worker; it sat in a 4 KB buffer before).
curl -s -D "$h" --max-time 60 -H 'X-Amz-Log-Type: Tail' "$(invoke_url chaos)" -d '"print"' >/dev/null
log=$(sed -n 's/^X-Amz-Log-Result: *//Ip' "$h" | tr -d '\r' | base64 -d)
echo "$log" | grep -qx 'printed by probe.chaos' || fail "a handler's printf() line is not in the Tail: $log"

# 50 concurrent invokes, pool of 4.
python3 "$top_srcdir/tests/emulator/concurrency.py" "$(invoke_url echo)" 50 echo >/dev/null || fail "50 concurrent invokes"
inst=0
for p in $(ps -o pid= --ppid "$emu_pid"); do
  tr '\0' '\n' <"/proc/$p/environ" | grep -qx 'AWS_LAMBDA_FUNCTION_NAME=echo' && inst=$((inst + 1))
done
[ "$inst" -ge 1 ] && [ "$inst" -le 4 ] || fail "expected 1 to 4 instances of echo, found $inst"

# A 6 MB payload round trip through bootstrap.
big=$work/big
head -c 6000000 /dev/zero | tr '\0' 'a' | sed 's/^/"/; s/$/"/' >"$big"
curl -s -H 'Expect:' "$(invoke_url echo)" --data-binary @"$big" -o "$work/big.out"
cmp -s "$big" "$work/big.out" || fail "6 MB round trip through bootstrap"

# Timeout.
pid1=$(jget "$(curl -s "$(invoke_url sleepy)" -d '{}')" 'j["pid"]')
body=$(curl -s -D "$h" --max-time 50 "$(invoke_url sleepy)" -d '{"seconds":60}')
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "timeout: no X-Amz-Function-Error"
[ "$(jget "$body" 'j["errorType"]')" = Sandbox.Timedout ] || fail "timeout: $body"
jget "$body" 'j["errorMessage"]' | grep -q 'Task timed out after 1.00 seconds' || fail "timeout: $body"
pid2=$(jget "$(curl -s "$(invoke_url sleepy)" -d '{}')" 'j["pid"]')
[ "$pid1" != "$pid2" ] || fail "after the timeout the same instance answered"

# Max Memory Used against the instance's VmHWM.
body=$(curl -s -D "$h" "$(invoke_url hungry)" -d '{"mb":64}')
pid=$(jget "$body" 'j["pid"]')
id=$(sed -n 's/^x-amzn-RequestId: //Ip' "$h" | tr -d '\r')
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
wait_for "^REPORT RequestId: $id" "$emu_out"
used=$(sed -n "s/^REPORT RequestId: $id.*Max Memory Used: \([0-9]*\) MB.*/\1/p" "$emu_out")
python3 -c "import sys; u, h = $used, $hwm / 1024; sys.exit(0 if abs(u - h) <= 0.2 * h else 1)" \
  || fail "Max Memory Used $used MB is not within 20% of VmHWM $((hwm / 1024)) MB"

# Segfault.
body=$(curl -s -D "$h" "$(invoke_url crash)" -d '{}')
grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "crash: no X-Amz-Function-Error"
[ "$(jget "$body" 'j["errorType"]')" = Runtime.ExitError ] || fail "crash: $body"
jget "$body" 'j["errorMessage"]' | grep -q 'Runtime exited with error: signal: segmentation fault' || fail "crash: $body"

# Init failure: the plugin's error, every time, on a fresh instance.
for i in 1 2; do
  body=$(curl -s -D "$h" "$(invoke_url initfail)" -d '{}')
  grep -qi '^X-Amz-Function-Error: Unhandled' "$h" || fail "init error: no X-Amz-Function-Error"
  [ "$(jget "$body" 'j["errorType"]')" = Plugin.ConfigError ] || fail "init error: $body"
done

# The other functions never noticed.
[ "$(curl -s "$(invoke_url echo)" -d '"still here"')" = '"still here"' ] || fail "echo after the failures"
stop_emulator
echo "PASS: bootstrap"
