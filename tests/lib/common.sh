# tests/lib/common.sh -- helpers for the shell integration tests (sourced).
# Provides: free_port, wait_http URL [SECONDS], fail MSG, and cleanup of
# every process started with `spawn` on exit.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

_pids=""
_tmpdirs=""
_cleanup() {
  for p in $_pids; do kill "$p" 2>/dev/null; done
  for p in $_pids; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  for d in $_tmpdirs; do rm -rf "$d"; done
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# spawn CMD...: run in the background, remembered for cleanup; sets $spawned
spawn() { "$@" & spawned=$!; _pids="$_pids $spawned"; }

scratch() { local d; d=$(mktemp -d); _tmpdirs="$_tmpdirs $d"; echo "$d"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [SECONDS]: poll until something answers on URL's port.
wait_http() {
  local url=$1 limit=${2:-20} i=0
  while [ $i -lt $((limit * 10)) ]; do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1; i=$((i + 1))
  done
  echo "timed out after ${limit}s waiting for $url" >&2
  return 1
}

fail() { echo "FAIL: $*" >&2; exit 1; }
