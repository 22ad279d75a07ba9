# tests/stream/lib.sh -- start the real lambda-emulator with the real
# bootstrap and the streaming plugins (sourced by the tests here).
#   start_stream_emulator [SUPERVISOR]  functions sse (stream.handler), bulk
#       (stream.bulk), failer (stream.fail_midway), crash
#       (streamprobe.crash_midway) and rules (streamprobe.rules); SUPERVISOR
#       is bootstrap's [runtime] supervisor setting (default true).  Sets
#       what tests/emulator/lib.sh's start_emulator sets ($url, $emu_pid...).
#   stream_url NAME    the InvokeWithResponseStream URL of function NAME
#   runtime_pids NAME  pids of the bootstrap processes (supervisor and
#                      worker) serving function NAME
set -u
. "$top_srcdir/tests/emulator/lib.sh"
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

bootstrap="$top_builddir/src/bootstrap/bootstrap"
for so in plugins/.libs/stream.so tests/stream/.libs/streamprobe.so; do
  [ -f "$top_builddir/$so" ] || fail "$so is not built"
  ln -s "$top_builddir/$so" "$task_root/"
done

start_stream_emulator() {
  # the emulator hands its own file to bootstrap (LAMBDA_RUNTIME_CONFIG)
  local cfg=$work/lambda-runtime.ini
  cat >"$cfg" <<INI
[runtime]
supervisor = ${1:-true}
[emulator]
runtime = $bootstrap
task_root = $task_root
timeout = 60
[function sse]
handler = stream.handler
[function bulk]
handler = stream.bulk
[function failer]
handler = stream.fail_midway
[function crash]
handler = streamprobe.crash_midway
[function rules]
handler = streamprobe.rules
INI
  start_emulator --config "$cfg"
}

stream_url() { echo "$url/2021-11-15/functions/$1/response-streaming-invocations"; }

runtime_pids() {
  local p c
  for p in $(ps -o pid= --ppid "$emu_pid"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "AWS_LAMBDA_FUNCTION_NAME=$1" || continue
    echo "$p"
    for c in $(ps -o pid= --ppid "$p"); do echo "$c"; done
  done
}
