#!/bin/bash
# t-concurrency.sh -- multi-concurrency (AWS_LAMBDA_MAX_CONCURRENCY) through
# the real lambda-emulator, which holds several /next polls per instance
# (--max-concurrency): tests/plugins' conc.so (thread-safe, 200 ms) runs in
# threads of one worker (also without the supervisor), concp.so (not
# thread-safe) and conc.so forced with concurrency_model = processes in
# worker processes.  Four 200 ms
# invocations all run at the same time in each model (their handlers'
# start and end instants overlap: behaviour, not elapsed time); request and trace ids
# never cross; _X_AMZN_TRACE_ID is left unset under concurrency (and set
# without it, where invocations run one at a time); JSON log lines parse
# and carry the right requestId under 8 at once; AWS_LAMBDA_LOG_LEVEL=WARN
# hides INFO; a crash with 4 in flight in one worker answers all 4 with
# Runtime.ExitError and the next ones succeed; in the process model only
# the crashed one fails; SIGTERM with 4 in flight answers them all and runs
# the shutdown hook once per worker process.
set -u
: "${BUILD:?}" "${SRC:?}"
top_srcdir=$SRC top_builddir=$BUILD
. "$SRC/tests/emulator/lib.sh"

bootstrap=$BUILD/src/bootstrap/bootstrap
for so in conc concp; do
  [ -f "$BUILD/tests/plugins/.libs/$so.so" ] || fail "tests/plugins/$so.so is not built"
  ln -s "$BUILD/tests/plugins/.libs/$so.so" "$task_root/"
done
[ -f "$BUILD/plugins/.libs/stream.so" ] || fail "plugins/stream.so is not built"
ln -s "$BUILD/plugins/.libs/stream.so" "$task_root/"
unset AWS_LAMBDA_MAX_CONCURRENCY AWS_LAMBDA_LOG_LEVEL AWS_LAMBDA_LOG_FORMAT _X_AMZN_TRACE_ID
failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
printf '[runtime]\nconcurrency_model = processes\n' >"$work/procs.ini"
printf '[runtime]\nsupervisor = false\n' >"$work/nosup.ini"
# sanitized builds: a SIGSEGV kills the worker as it does unsanitized
nosan='env.ASAN_OPTIONS = handle_segv=0:detect_leaks=0'
cat >"$work/emu.ini" <<INI
[emulator]
runtime = $bootstrap
task_root = $task_root
concurrency = 1
timeout = 20
[function threads]
handler = conc.report
max_concurrency = 4
[function procs]
handler = concp.report
max_concurrency = 4
[function forced]
handler = conc.report
max_concurrency = 4
runtime = $bootstrap --config $work/procs.ini
[function nosup]
handler = conc.report
max_concurrency = 4
runtime = $bootstrap --config $work/nosup.ini
[function streams]
handler = stream.handler
max_concurrency = 4
[function single]
handler = conc.report
[function logs]
handler = conc.report
max_concurrency = 8
log_format = JSON
[function warn]
handler = conc.report
max_concurrency = 4
log_format = JSON
log_level = WARN
[function crash]
handler = conc.crash
max_concurrency = 4
$nosan
[function stop]
handler = conc.report
max_concurrency = 4
env.CONC_SHUTDOWN_FILE = $work/stop.hook
[function pstop]
handler = concp.report
max_concurrency = 4
env.CONC_SHUTDOWN_FILE = $work/pstop.hook
[function pcrash]
handler = concp.crash
max_concurrency = 4
$nosan
INI
start_emulator --config "$work/emu.ini"

# conc NAME N MS [crash|crash-all]: the invocations; their summary in $out
conc() {
  curl -s -o /dev/null "$(invoke_url "$1")" -d '{"ms":1}' # start the instance
  out=$(python3 "$SRC/tests/bootstrap/conc-invoke.py" "$(invoke_url "$1")" "$2" "$3" ${4:-}) \
    || { bad "$1: $out"; out='{"answers":{},"errors":{},"pids":0,"tids":0,"wall_ms":99999,"overlap":0}'; }
}
j() { jget "$out" "$1"; }

for fn in threads procs forced nosup; do
  conc $fn 4 200
  [ "$(j 'j["overlap"]')" = 4 ] && ok "$fn: four 200 ms invocations ran at once" \
    || bad "$fn: at most $(j 'j["overlap"]') of four invocations ran at once"
  [ "$(j 'len(j["answers"])')" = 4 ] && ok "$fn: request and trace ids never crossed" || bad "$fn: $out"
  [ "$(j 'sorted(set(a["traceEnv"] for a in j["answers"].values()), key=str)')" = "[None]" ] \
    && ok "$fn: _X_AMZN_TRACE_ID not set under concurrency" || bad "$fn: _X_AMZN_TRACE_ID set: $out"
  case $fn in
    threads|nosup) want="1 4" ;;
    *) want="4 4" ;;
  esac
  [ "$(j 'j["pids"]') $(j 'j["tids"]')" = "$want" ] && ok "$fn: processes, threads = $want" \
    || bad "$fn: expected (processes, threads) $want, saw $(j 'j["pids"]') $(j 'j["tids"]')"
done

conc threads 16 20
[ "$(j 'len(j["answers"])')" = 16 ] && ok "threads: 16 at once on 4 threads, none crossed" || bad "threads 16: $out"

# Response streaming in 4 threads at once (plugins/stream.so): 5 events
# 250 ms apart each, all four streams complete, and all four were streaming
# at the same time (every stream's first event comes before every stream's
# last: the handlers' own timestamps, not elapsed time).
curl -s -o /dev/null "$url/2021-11-15/functions/streams/response-streaming-invocations" -d '{"count":1}'
pids=""
for i in 1 2 3 4; do
  curl -s -N -m 20 -o "$work/stream.$i" "$url/2021-11-15/functions/streams/response-streaming-invocations" \
    -d '{"count":5,"interval_ms":250}' &
  pids="$pids $!"
done
wait $pids
n=0 firsts="" lasts=""
for i in 1 2 3 4; do
  stamps=$(tr -c '[:print:]\n' '.' <"$work/stream.$i" | grep -o '"n":[0-9]*,"of":5,"ms":[0-9]*' | sed 's/.*"ms"://')
  [ "$(echo "$stamps" | grep -c .)" = 5 ] && n=$((n + 1))
  firsts="$firsts $(echo "$stamps" | head -n1)" lasts="$lasts $(echo "$stamps" | tail -n1)"
done
first_max=$(echo $firsts | tr ' ' '\n' | sort -n | tail -n1)
last_min=$(echo $lasts | tr ' ' '\n' | sort -n | head -n1)
[ $n = 4 ] && [ "${first_max:-1}" -lt "${last_min:-0}" ] && ok "streams: 4 streamed responses at once" \
  || bad "streams: $n of 4 streams complete; latest first event $first_max, earliest last event $last_min"

# Without AWS_LAMBDA_MAX_CONCURRENCY: one at a time, the variable set.
conc single 4 100
[ "$(j 'j["overlap"]')" = 1 ] && ok "single: one at a time" || bad "single: $(j 'j["overlap"]') ran at once"
[ "$(j 'all(a["traceEnv"] == a["traceId"] for a in j["answers"].values())')" = True ] \
  && ok "single: _X_AMZN_TRACE_ID is the invocation's trace id" || bad "single: $out"

# Logs: 8 at once, JSON lines, each with its invocation's requestId.
conc logs 8 200
python3 - "$out" "$emu_out" "$emu_err" <<'PY' && ok "logs: JSON lines of 8 at once parse and carry the right requestId" || bad "logs"
import json, re, sys
out = json.loads(sys.argv[1])
want = {int(i): a["requestId"] for i, a in out["answers"].items()}
assert len(want) == 8, out
seen = {}
for path in sys.argv[2:]:
    for line in open(path, errors="replace"):
        if '"conc ' not in line:
            continue
        rec = json.loads(line)  # every line parses on its own
        m = re.match(r"conc (start|end) i=(-?\d+)$", rec["message"])
        assert m, line
        i = int(m.group(2))
        if i not in want:
            continue
        assert rec["requestId"] == want[i], (rec, want[i])
        assert rec["level"] == ("INFO" if m.group(1) == "start" else "WARN"), rec
        assert rec["timestamp"].endswith("Z"), rec
        seen[(i, m.group(1))] = True
assert len(seen) == 16, sorted(seen)
PY

# AWS_LAMBDA_LOG_LEVEL=WARN hides INFO, under concurrency too.
conc warn 4 50
ids=$(j '" ".join(a["requestId"] for a in j["answers"].values())')
n_end=0 n_start=0
for id in $ids; do
  n_end=$((n_end + $(grep -h "\"requestId\":\"$id\"" "$emu_out" "$emu_err" | grep -c '"message":"conc end')))
  n_start=$((n_start + $(grep -h "\"requestId\":\"$id\"" "$emu_out" "$emu_err" | grep -c '"message":"conc start')))
done
[ "$n_end $n_start" = "4 0" ] && ok "warn: AWS_LAMBDA_LOG_LEVEL=WARN hides INFO" \
  || bad "warn: expected 4 WARN lines and no INFO line, saw $n_end and $n_start"

# A crash with 4 in flight in one worker (threads): all 4 answered with
# Runtime.ExitError, the crashed one with its backtrace; then service goes on.
conc crash 4 400 crash-all
[ "$(j 'len(j["errors"])') $(j 'len(j["answers"])')" = "4 0" ] \
  && ok "crash (threads): all 4 in flight answered with an error" || bad "crash (threads): $out"
[ "$(j 'sorted(e["errorType"] for e in j["errors"].values())')" = "['Runtime.ExitError', 'Runtime.ExitError', 'Runtime.ExitError', 'Runtime.ExitError']" ] \
  && [ "$(j 'all("signal: segmentation fault" in e["errorMessage"] for e in j["errors"].values())')" = True ] \
  && ok "crash (threads): Runtime.ExitError, signal named" || bad "crash (threads): $out"
[ "$(j '"another invocation" not in j["errors"]["0"]["errorMessage"] and len(j["errors"]["0"]["stackTrace"]) > 0')" = True ] \
  && [ "$(j 'sum("another invocation running in the same worker process crashed it" in e["errorMessage"] for e in j["errors"].values())')" = 3 ] \
  && ok "crash (threads): the crashed invocation has the backtrace, the others say another one crashed" \
  || bad "crash (threads): culprit not told apart: $out"
conc crash 4 50
[ "$(j 'len(j["answers"])')" = 4 ] && ok "crash (threads): the next 4 succeed" || bad "crash (threads) after: $out"

# Process model: only the crashed worker's invocation fails.
conc pcrash 4 400 crash
[ "$(j 'len(j["errors"])') $(j 'len(j["answers"])')" = "1 3" ] && [ "$(j 'list(j["errors"])')" = "['0']" ] \
  && ok "crash (processes): only the crashed invocation failed" || bad "crash (processes): $out"
conc pcrash 4 50
[ "$(j 'len(j["answers"])') $(j 'j["pids"]')" = "4 4" ] && ok "crash (processes): the next 4 succeed on 4 workers" \
  || bad "crash (processes) after: $out"

# SIGTERM to bootstrap with 4 in flight: all 4 answered, then the plugin's
# shutdown hook runs once per worker process (1 with threads, 4 without).
for fn in stop pstop; do
  curl -s -o /dev/null "$(invoke_url $fn)" -d '{"ms":1}'
  rt=""
  for p in $(ps -o pid= --ppid "$emu_pid"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "AWS_LAMBDA_FUNCTION_NAME=$fn" && rt=$p
  done
  [ -n "$rt" ] || { bad "$fn: no bootstrap process found"; continue; }
  before=$(grep -c 'conc start' "$emu_err")
  python3 "$SRC/tests/bootstrap/conc-invoke.py" "$(invoke_url $fn)" 4 400 >"$work/$fn.out" 2>&1 &
  py=$!
  # all 4 handlers running (each logs "conc start" first)
  for _ in $(seq 200); do
    [ "$(grep -c 'conc start' "$emu_err")" -ge $((before + 4)) ] && break; sleep 0.01
  done
  kill -TERM "$rt"
  wait $py && out=$(cat "$work/$fn.out") && [ "$(j 'len(j["answers"])')" = 4 ] \
    && ok "$fn: SIGTERM with 4 in flight: all 4 answered" || bad "$fn: SIGTERM in flight: $(cat "$work/$fn.out")"
  for _ in $(seq 100); do kill -0 "$rt" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$rt" 2>/dev/null && bad "$fn: bootstrap still running 5 s after SIGTERM"
  want=1; [ $fn = pstop ] && want=4
  [ "$(grep -c '^shutdown ' "$work/$fn.hook" 2>/dev/null)" = $want ] \
    && [ "$(sort -u "$work/$fn.hook" | wc -l)" = $want ] \
    && ok "$fn: shutdown hook ran once in each of $want worker process(es)" \
    || bad "$fn: shutdown hook lines: $(cat "$work/$fn.hook" 2>/dev/null)"
done

# Bad values are refused.
AWS_LAMBDA_MAX_CONCURRENCY=0 "$bootstrap" conc.report 2>"$work/err0"; rc=$?
[ $rc = 2 ] && grep -q "environment variable AWS_LAMBDA_MAX_CONCURRENCY: bad value '0'" "$work/err0" \
  && ok "AWS_LAMBDA_MAX_CONCURRENCY=0 refused" || bad "AWS_LAMBDA_MAX_CONCURRENCY=0: status $rc, $(cat "$work/err0")"
printf '[runtime]\nconcurrency_model = fibers\n' >"$work/bad.ini"
LAMBDA_RUNTIME_CONFIG=$work/bad.ini "$bootstrap" conc.report 2>"$work/err1"; rc=$?
[ $rc = 2 ] && grep -q "bad.ini:2: bad value 'fibers' for concurrency_model" "$work/err1" \
  && ok "concurrency_model = fibers refused with FILE:LINE" || bad "concurrency_model: status $rc, $(cat "$work/err1")"

err_lines=$(wc -l <"$emu_err"); out_lines=$(wc -l <"$emu_out")
stop_emulator
# The emulator's shutdown SIGTERMs the runtimes first, as Lambda does: every
# bootstrap (threads and processes, polling /next) stops without a FATAL line.
shutdown_log=$( { tail -n +"$((err_lines + 1))" "$emu_err"; tail -n +"$((out_lines + 1))" "$emu_out"; } )
echo "$shutdown_log" | grep -q 'FATAL' \
  && bad "shutdown: a runtime logged FATAL: $(echo "$shutdown_log" | grep FATAL | head -3)" \
  || ok "shutdown: every runtime stops on SIGTERM without a FATAL line"
# sanitized builds: no report from any bootstrap (leaks are checked in the
# processes that exit normally: the supervisor, and bootstrap without one)
grep -q 'Sanitizer' "$emu_err" "$emu_out" && bad "a sanitizer reported: $(grep -h -A5 Sanitizer "$emu_err" "$emu_out" | head -20)"
[ "$failures" = 0 ] || { echo "--- emulator stderr" >&2; tail -40 "$emu_err" >&2; exit 1; }
echo "PASS: t-concurrency"
