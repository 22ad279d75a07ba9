# tests/image/harness.sh -- sourced by tests/image/run: result lines and
# counters, a private podman configuration and storage under a scratch
# directory, free ports, bounded polling, and the cleanup of everything the
# suite starts (containers by name, processes by PID) on every exit path.
# bash only.

LCR_PASSED=0
LCR_FAILED=0
LCR_PIDS=()          # processes we started (registry, moto, podman service, ...)
LCR_PID_STARTS=()    # their start times (pid_start), index for index
LCR_EXTRA_ROOTS=()   # other podman storages used (GRAPHROOT:RUNROOT)
LCR_RUN_ID="lcr-img-$$"   # prefix of every container name this run creates
LCR_CLEANED=0

say() { printf '%s\n' "$*"; }

# pass NAME / fail NAME [DETAIL-FILE]: one line per check.
pass() { LCR_PASSED=$((LCR_PASSED + 1)); say "PASS: $1"; }
fail() {
    LCR_FAILED=$((LCR_FAILED + 1)); say "FAIL: $1"
    if [ -n "${2:-}" ] && [ -s "$2" ]; then
        tail -n 25 "$2" | sed 's/^/    | /'
        say "    (full log: $2)"
    fi
}

# check NAME FUNCTION [ARGS...]: run FUNCTION with its output in a log file
# named after the check; PASS when it returns 0.  Returns its status.
check() {
    local name=$1; shift
    local log t0=$SECONDS
    log="$LCR_LOGS/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80).log"
    if "$@" >"$log" 2>&1; then pass "$name ($((SECONDS - t0)) s)"; return 0; fi
    fail "$name ($((SECONDS - t0)) s)" "$log"
    return 1
}

# skip_check NAME REASON: a check that could not run counts as failed.
skip_check() { fail "$1 (not run: $2)"; }

# ---------------------------------------------------------------------------
# Scratch directory and podman configuration
# ---------------------------------------------------------------------------

# setup_podman SRCDIR LOGDIR: private containers.conf, storage.conf and
# registries.conf under $LCR_SCRATCH, exported for podman and its service;
# check logs go to LOGDIR (emptied first), which outlives the scratch.
setup_podman() {
    local srcdir=$1 nofile nproc
    LCR_LOGS=$2
    rm -rf "$LCR_LOGS" && mkdir -p "$LCR_LOGS" || return 1
    LCR_SCRATCH=$(mktemp -d "${TMPDIR:-/var/tmp}/lcr-image.XXXXXX") || return 1
    mkdir -p "$LCR_SCRATCH/podman-tmp"
    nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
    [ "$nofile" = unlimited ] && nofile=1048576
    { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
    sed -e "s/@NOFILE@/$nofile/g" -e "s/@NPROC@/$nproc/g" \
        -e "/^\[engine\]/a tmp_dir = \"$LCR_SCRATCH/podman-tmp\"" \
        "$srcdir/docker/containers.conf.in" >"$LCR_SCRATCH/containers.conf"
    cat >"$LCR_SCRATCH/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$LCR_SCRATCH/storage"
runroot = "$LCR_SCRATCH/run"
EOF
    # Short names resolve like docker's (debian:bookworm-slim ->
    # docker.io/library/debian:bookworm-slim); nothing is ever pulled from
    # there: the base image is imported locally.  The local test registry
    # gets added by start_registry.
    cat >"$LCR_SCRATCH/registries.conf" <<EOF
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
EOF
    export CONTAINERS_CONF=$LCR_SCRATCH/containers.conf
    export CONTAINERS_STORAGE_CONF=$LCR_SCRATCH/storage.conf
    export CONTAINERS_REGISTRIES_CONF=$LCR_SCRATCH/registries.conf
    export REGISTRY_AUTH_FILE=$LCR_SCRATCH/auth.json
    export DOCKER_CONFIG=$LCR_SCRATCH/docker-config
    mkdir -p "$DOCKER_CONFIG"
    echo '{"auths": {}}' >"$REGISTRY_AUTH_FILE"
    unset DOCKER_BUILDKIT
}

# ---------------------------------------------------------------------------
# Processes, ports, polling
# ---------------------------------------------------------------------------

track_pid() { LCR_PIDS+=("$1"); LCR_PID_STARTS+=("$(pid_start "$1")"); }
# pid_start PID: the process's start time (field 22 of /proc/PID/stat, after
# the parenthesised name), empty once it is gone.  A PID names the same
# process only while this is unchanged: a busy machine (pid_max 32768) hands
# a stopped process's PID to another within minutes.
pid_start() { sed -n 's/.*) //p' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds;
# fails after SECONDS.
wait_until() {
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# http_up URL: the server answers HTTP at all (any status).
http_up() { curl -s -o /dev/null --max-time 2 "$1"; }

# container_running NAME
container_running() {
    [ "$(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]
}

# ---------------------------------------------------------------------------
# Cleanup
# ---------------------------------------------------------------------------

# Names of this run's containers (all start with $LCR_RUN_ID-).
our_containers() {
    podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$LCR_RUN_ID-" || true
}

# stop_pid PID: TERM, wait up to 5 s, then KILL.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 25); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    [ "$LCR_CLEANED" = 1 ] && return 0
    LCR_CLEANED=1
    [ -n "${LCR_SCRATCH:-}" ] || return 0
    local c i r
    for c in $(our_containers); do
        podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
    done
    for r in "${LCR_EXTRA_ROOTS[@]}"; do
        for c in $(podman --root "${r%%:*}" --runroot "${r#*:}" ps -a --format '{{.Names}}' 2>/dev/null | grep "^$LCR_RUN_ID-"); do
            podman --root "${r%%:*}" --runroot "${r#*:}" rm -f -t 0 "$c" >/dev/null 2>&1 || true
        done
        podman --root "${r%%:*}" --runroot "${r#*:}" rmi -a -f >/dev/null 2>&1 || true
    done
    # Newest first: the podman service goes last.
    for ((i = ${#LCR_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${LCR_PIDS[$i]}"
    done
    if [ "${LCR_KEEP_SCRATCH:-0}" = 1 ]; then
        say "kept $LCR_SCRATCH (LCR_KEEP_SCRATCH=1)"
        return 0
    fi
    podman rmi -a -f >/dev/null 2>&1 || true
    # Overlay mounts of removed containers are gone; anything left is ours.
    findmnt -rn -o TARGET | grep "^$LCR_SCRATCH/" | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$LCR_SCRATCH"
}

# verify_cleanup: after cleanup, none of our containers or processes remain.
verify_cleanup() {
    local i pid start left=""
    for i in "${!LCR_PIDS[@]}"; do
        pid=${LCR_PIDS[$i]} start=${LCR_PID_STARTS[$i]}
        [ -n "$start" ] && [ "$(pid_start "$pid")" = "$start" ] && left="$left pid:$pid"
    done
    # conmon processes carry the container names of this run.
    pgrep -f -- "$LCR_RUN_ID-" >/dev/null && left="$left containers:$(pgrep -d, -f -- "$LCR_RUN_ID-")"
    say "left after cleanup:${left:- nothing}"
    [ -z "$left" ] && [ ! -e "$LCR_SCRATCH" ]
}
