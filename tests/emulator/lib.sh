# tests/emulator/lib.sh -- helpers for the emulator's integration tests
# (sourced after tests/lib/common.sh).
#   start_emulator ARGS...  start lambda-emulator on a free loopback port
#                           (with --init-timeout 120 unless init_timeout_arg
#                           says otherwise);
#                           sets $port, $url (Invoke API base), $emu_out
#                           (its stdout: runtime output and REPORT lines),
#                           $emu_err, $emu_pid
#   invoke_url [NAME]       the Invoke URL of function NAME (default function)
#   front_url               the HTTP front's base URL (after start_emulator)
#   script_runtime          the command of the test-only Python runtime
#   wait_for PATTERN FILE [SECONDS]   poll until grep finds PATTERN in FILE
#   epoch_ms, deadline_within CONTEXT LOW HIGH   see below
#   require_package PKG WHY CHECK...  run CHECK; if it fails: a failure when
#                           scripts/deps lists PKG (CI installs it), else SKIP
. "$top_srcdir/tests/lib/common.sh"

emulator="$top_builddir/src/emulator/lambda-emulator"
script_runtime="$top_srcdir/tests/emulator/runtime.py"
# One scratch directory made in this shell (so that cleanup knows it).
work=$(mktemp -d); _tmpdirs="$_tmpdirs $work"
task_root=$work/task; mkdir -p "$task_root"
_n=0
# fail MSG: as common.sh's, and the last lines of the emulator's output and
# errors (a failure in CI is then diagnosable from the test's log alone).
fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "${emu_out:-}" "${emu_err:-}"; do
    [ -s "$f" ] || continue
    echo "-- last lines of $f:" >&2
    tail -n 25 "$f" | cut -c1-300 >&2
  done
  exit 1
}
# ext_config FILE EXTENSIONS_DIR: start an INI for the extension tests:
# [emulator] with the test runtime, $task_root, EXTENSIONS_DIR and one
# instance (the test appends the rest).
ext_config() {
  printf '[emulator]\nruntime = %s\ntask_root = %s\nextensions_dir = %s\nconcurrency = 1\n' \
    "$script_runtime" "$task_root" "$2" >"$1"
}
# rss_bound MB [TSAN_MB]: sets $bound_mb, the emulator's peak RSS a memory
# test allows: MB in a plain build, 120 under AddressSanitizer (it keeps
# freed memory in quarantine -- limited here to 4 MB -- and adds its
# shadow), TSAN_MB (default MB) under ThreadSanitizer (its allocator keeps
# freed blocks in per-thread caches: telemetry.sh measured 54 MB where a
# plain build peaks at 10-19 MB).
rss_bound() {
  bound_mb=$1
  if ldd "$emulator" 2>/dev/null | grep -q libasan; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
    bound_mb=120
  elif ldd "$emulator" 2>/dev/null | grep -q libtsan; then
    bound_mb=${2:-$1}
  fi
}
# tmpf: a fresh path under $work (echo'd)
tmpf() { _n=$((_n + 1)); echo "$work/f$_n"; }

start_emulator() {
  _n=$((_n + 1))
  emu_out=$work/stdout.$_n
  emu_err=$work/stderr.$_n
  # A generous init timeout (unless the caller sets init_timeout_arg, or
  # "" to keep the configuration's): on a busy machine a Python runtime may
  # take longer than Lambda's 10 s to start, and no test here is about that
  # except those that say so.
  local it=(--init-timeout "${init_timeout_arg-120}")
  [ -n "${init_timeout_arg-120}" ] || it=()
  spawn "$emulator" --listen 127.0.0.1:0 "${it[@]}" "$@" >"$emu_out" 2>"$emu_err"
  emu_pid=$spawned
  local i=0
  port=""
  while [ $i -lt 100 ]; do
    port=$(sed -n 's/^lambda-emulator: listening on [0-9.]*:\([0-9]*\)$/\1/p' "$emu_err")
    [ -n "$port" ] && break
    kill -0 "$emu_pid" 2>/dev/null || { cat "$emu_err"; fail "lambda-emulator exited at start"; }
    sleep 0.05; i=$((i + 1))
  done
  [ -n "$port" ] || { cat "$emu_err"; fail "lambda-emulator did not say where it listens"; }
  url="http://127.0.0.1:$port"
}

invoke_url() { echo "$url/2015-03-31/functions/${1:-function}/invocations"; }

# front_url: the HTTP front's base URL (--http), from the start-up lines.
front_url() {
  local p
  p=$(sed -n 's|^lambda-emulator: HTTP front on http://[0-9.]*:\([0-9]*\)/$|\1|p' "$emu_err")
  [ -n "$p" ] || { cat "$emu_err"; fail "no 'HTTP front on' line"; }
  echo "http://127.0.0.1:$p"
}

require_package() {
  local pkg=$1 why=$2; shift 2
  "$@" >/dev/null 2>&1 && return 0
  if grep -Eq "^(BUILD|TEST)=.*[\" ]$pkg[\" ]" "$top_srcdir/scripts/deps"; then
    fail "$why: package $pkg is missing; scripts/deps installs it"
  fi
  echo "SKIP: $why: package $pkg is not installed"
  exit 77
}

# wait_for PATTERN FILE [SECONDS [COUNT]]: until FILE has COUNT (default 1)
# lines matching PATTERN, at most SECONDS (default 10).
wait_for() {
  local pattern=$1 file=$2 limit=${3:-10} count=${4:-1} i=0 n
  while [ $i -lt $((limit * 20)) ]; do
    n=$(grep -c -- "$pattern" "$file" 2>/dev/null)
    [ "${n:-0}" -ge "$count" ] && return 0
    sleep 0.05; i=$((i + 1))
  done
  echo "timed out after ${limit}s waiting for $count line(s) of '$pattern' in $file:" >&2
  cat "$file" >&2
  return 1
}

# stop_emulator: SIGTERM, and require a clean exit (status 0) in 5 s.
stop_emulator() {
  kill -TERM "$emu_pid"
  local i=0
  while kill -0 "$emu_pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
  kill -0 "$emu_pid" 2>/dev/null && fail "lambda-emulator did not stop within 5 s of SIGTERM"
  wait "$emu_pid"; local rc=$?
  [ $rc = 0 ] || { cat "$emu_err"; fail "lambda-emulator exited with status $rc after SIGTERM"; }
}

# epoch_ms: the wall clock in milliseconds (the clock deadlines use).
epoch_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

# deadline_within CONTEXT LOW HIGH: the Lambda-Runtime-Deadline-Ms the
# runtime saw (a "context" answer) is in [LOW, HIGH].  An invocation that
# started between two clock readings has its deadline between them plus the
# timeout: a check of which timeout applied that no machine load can upset.
deadline_within() {
  local d; d=$(jget "$1" 'int(j["headers"]["Lambda-Runtime-Deadline-Ms"])')
  [ "$d" -ge "$2" ] && [ "$d" -le "$3" ] && return 0
  echo "deadline $d not in [$2, $3]" >&2; return 1
}

# jget JSON EXPR: evaluate a Python expression on the parsed JSON `j`.
jget() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
