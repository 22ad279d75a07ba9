# lib.sh -- shared helpers of the bootstrap integration tests (sourced).
# Each test runs the real bootstrap, with real plugins, against rapi-server
# (a scripted Runtime API on loopback) and checks what bootstrap posted.
#
# Environment (set by Makefile.am): BUILD = top build dir, SRC = top source dir.
set -u
: "${BUILD:?BUILD (top build directory) must be set}"
T=$(mktemp -d "${TMPDIR:-/tmp}/lr-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
TASK=$T/task
mkdir -p "$TASK" "$T/rec"
for so in "$BUILD"/plugins/.libs/*.so "$BUILD"/tests/plugins/.libs/*.so; do
    [ -e "$so" ] && ln -s "$so" "$TASK/"
done
export LAMBDA_TASK_ROOT=$TASK
# Short retries so the vanishing-API tests end quickly; no stray config file.
printf '[runtime]\napi_retries = 3\napi_retry_delay = 20ms\n' > "$T/test.ini"
export LAMBDA_RUNTIME_CONFIG=$T/test.ini
unset _HANDLER AWS_LAMBDA_LOG_LEVEL AWS_LAMBDA_LOG_FORMAT _X_AMZN_TRACE_ID
BOOTSTRAP=$BUILD/src/bootstrap/bootstrap
SERVER=$BUILD/tests/bootstrap/rapi-server
TAB=$(printf '\t')
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# check DESCRIPTION COMMAND...: pass if COMMAND succeeds.
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
finish() { [ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }; exit 0; }

# event NAME TEXT: write an event file $T/NAME.
event() { printf '%s' "$2" > "$T/$1"; }

# script LINE...: the Runtime API script (each argument one line; fields
# separated by TAB characters).
script() { : > "$T/script"; for l in "$@"; do printf '%s\n' "$l" >> "$T/script"; done; }

# run [SERVER-OPTIONS --] BOOTSTRAP-ARGS...: run bootstrap under rapi-server;
# records go to $T/rec (emptied first), bootstrap's stderr to $T/stderr.
run() {
    sopts=""
    if [ "${1:-}" = "--server" ]; then sopts=$2; shift 2; fi
    rm -rf "$T/rec"; mkdir -p "$T/rec"
    # shellcheck disable=SC2086
    "$SERVER" -d "$T/rec" -s "$T/script" -t 600 $sopts -- "$BOOTSTRAP" "$@" 2> "$T/stderr"
    server_rc=$?
    if [ "$server_rc" -ne 0 ]; then
        fail "rapi-server ended with status $server_rc"; cat "$T/stderr" >&2
    fi
}

status() { cat "$T/rec/status" 2>/dev/null; }
post_count() { ls "$T/rec" | grep -c '^post-.*\.path$'; }
post_path() { cat "$T/rec/post-$1.path"; }
post_body() { cat "$T/rec/post-$1.body"; }
# post_header K NAME: the value of header NAME of the K-th post ("" if absent).
post_header() { grep -i "^$2: " "$T/rec/post-$1.headers" | head -n1 | sed 's/^[^:]*: //'; }
has_post_header() { grep -qi "^$2: " "$T/rec/post-$1.headers"; }
# matches VALUE ERE: VALUE matches the extended regular expression.
matches() { printf '%s\n' "$1" | grep -qE -- "$2"; }
stderr_has() { grep -q -- "$1" "$T/stderr"; }
show_stderr() { sed 's/^/  | /' "$T/stderr" >&2; }

# init_error DESCRIPTION TYPE MESSAGE-PATTERN BOOTSTRAP-ARGS...: bootstrap posts
# one init error of TYPE whose message matches the grep pattern, and exits 1
# without asking for an invocation.
init_error() {
    d=$1 type=$2 pattern=$3; shift 3
    run "$@"
    ok=1
    [ "$(status)" = "exit 1" ] || { ok=0; echo "  status: $(status)" >&2; }
    [ "$(post_count)" = 1 ] || { ok=0; echo "  posts: $(post_count)" >&2; }
    [ -f "$T/rec/post-1.path" ] && [ "$(post_path 1)" = "/2018-06-01/runtime/init/error" ] || ok=0
    [ -f "$T/rec/post-1.path" ] && [ "$(post_header 1 Lambda-Runtime-Function-Error-Type)" = "$type" ] || ok=0
    [ -f "$T/rec/post-1.body" ] && [ "$(post_body 1 | jq -r .errorType)" = "$type" ] || ok=0
    [ -f "$T/rec/post-1.body" ] && post_body 1 | jq -r .errorMessage | grep -q -- "$pattern" || ok=0
    [ -f "$T/rec/post-1.body" ] && [ "$(post_body 1 | jq -c .stackTrace)" = "[]" ] || ok=0
    ! grep -q '^GET' "$T/rec/requests" || { ok=0; echo "  asked for an invocation" >&2; }
    stderr_has "$type" || ok=0
    if [ $ok = 1 ]; then pass "$d"; else fail "$d"; show_stderr; fi
}
