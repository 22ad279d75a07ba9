#!/bin/bash
# measure-concurrency.sh -- throughput of bootstrap at AWS_LAMBDA_MAX_CONCURRENCY
# 1, 2 and 4 (not part of `make check`): lambda-emulator with one instance
# (--concurrency 1 --max-concurrency N) serving echo.handler; N Python client
# threads, one keep-alive connection each, invoke a 40-byte event for
# SECONDS; prints requests/s for the thread model (echo.so is declared
# thread-safe) and the process model (concurrency_model = processes).
# Client, emulator and runtime share this machine's cores.
#
#   tests/bootstrap/measure-concurrency.sh BUILD_DIR [SECONDS]
set -u
BUILD=$(cd "${1:?usage: measure-concurrency.sh BUILD_DIR [SECONDS]}" && pwd)
secs=${2:-3}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
top_srcdir=$SRC top_builddir=$BUILD
. "$SRC/tests/emulator/lib.sh"
ln -s "$BUILD/plugins/.libs/echo.so" "$task_root/"
printf '[runtime]\nconcurrency_model = processes\n' >"$work/procs.ini"
# the program itself; libtool's wrapper script (a tree from before bootstrap
# compiled the plugin API in) runs .libs/bootstrap
bin=$BUILD/src/bootstrap/bootstrap
[ "$(head -c4 "$bin" 2>/dev/null | tail -c3)" = ELF ] || bin=$BUILD/src/bootstrap/.libs/bootstrap
export LD_LIBRARY_PATH=$BUILD/src/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
printf '%-10s %-12s %12s\n' model concurrency requests/s
for model in threads processes; do
  for n in 1 2 4; do
    rt=$bin; [ $model = processes ] && rt="$bin --config $work/procs.ini"
    mc=""; [ $n -gt 1 ] && mc="--max-concurrency $n"
    # shellcheck disable=SC2086
    start_emulator --config /dev/null --task-root "$task_root" --runtime "$rt" \
      --concurrency 1 $mc --timeout 10 echo.handler
    rps=$(python3 - "$port" "$n" "$secs" <<'PY'
import http.client, sys, threading, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
path = "/2015-03-31/functions/function/invocations"
body = b'{"hello":"world","n":1234567890123456}'
counts, stop = [0] * n, [False]
def run(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    while not stop[0]:
        c.request("POST", path, body)
        r = c.getresponse()
        if r.read() != body:
            raise SystemExit("bad echo")
        counts[k] += 1
ts = [threading.Thread(target=run, args=(k,)) for k in range(n)]
[t.start() for t in ts]
time.sleep(0.5)                       # warm-up: cold start, connections
c0, t0 = sum(counts), time.monotonic()
time.sleep(secs)
c1, t1 = sum(counts), time.monotonic()
stop[0] = True
[t.join() for t in ts]
print(round((c1 - c0) / (t1 - t0)))
PY
)
    printf '%-10s %-12s %12s\n' $model $n "$rps"
    stop_emulator
  done
done
