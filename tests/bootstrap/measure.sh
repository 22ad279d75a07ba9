#!/bin/sh
# measure.sh -- the runtime's two acceptance figures, measured with
# rapi-server (not part of `make check`):
#   1. time from exec to the first GET /next: median (and min/max) of RUNS
#      starts (rapi-server times fork+exec to the first request);
#   2. bootstrap's peak RSS (VmHWM) after INVOKES invocations of
#      lambda_function.handler with an HTTP API event.
# Both with the supervisor (the default: the supervisor and its worker
# process) and without (supervisor = false: one process).
#
#   tests/bootstrap/measure.sh BUILD_DIR [RUNS [INVOKES]]
#
# Runs the real binary (BUILD/src/bootstrap/bootstrap, never a libtool
# wrapper script) with the build's plugins.
# Environment (bench/run sets them):
#   MEASURE_BOOTSTRAP  another runtime to measure the same way (any Runtime
#                      API client; it gets the handler lambda_function.handler)
#   MEASURE_CSV        append "label,measure,value,unit" rows to this file
#   MEASURE_LABEL      the label of those rows (default lambda-c-runtime)
set -eu
build=$(cd "${1:?usage: measure.sh BUILD_DIR [RUNS [INVOKES]]}" && pwd)
runs=${2:-20}
invokes=${3:-1000}
# the program itself; libtool's wrapper script (a tree from before bootstrap
# compiled the plugin API in) runs .libs/bootstrap
bin=$build/src/bootstrap/bootstrap
[ "$(head -c4 "$bin" 2>/dev/null | tail -c3)" = ELF ] || bin=$build/src/bootstrap/.libs/bootstrap
bin=${MEASURE_BOOTSTRAP:-$bin}
label=${MEASURE_LABEL:-lambda-c-runtime}
csv() { [ -z "${MEASURE_CSV:-}" ] || echo "$label,$1,$2,$3" >>"$MEASURE_CSV"; }
server=$build/tests/bootstrap/rapi-server
[ -x "$server" ] || { echo "measure.sh: build rapi-server first: make -C $build/tests/bootstrap rapi-server" >&2; exit 2; }
t=$(mktemp -d "${TMPDIR:-/tmp}/lr-measure.XXXXXX")
trap 'rm -rf "$t"' EXIT
export LD_LIBRARY_PATH="$build/src/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LAMBDA_TASK_ROOT="$build/plugins/.libs"
mkdir -p "$t/rec"

printf '[runtime]\nsupervisor = false\n' > "$t/nosup.ini"
printf '%s' '{"version":"2.0","routeKey":"$default","rawPath":"/hello","rawQueryString":"name=Chris","queryStringParameters":{"name":"Chris"},"headers":{"accept":"*/*","host":"example.com","user-agent":"curl/7.88.1"},"requestContext":{"accountId":"123456789012","apiId":"api","domainName":"example.com","http":{"method":"GET","path":"/hello","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"curl/7.88.1"},"requestId":"id","routeKey":"$default","stage":"$default","time":"27/Nov/2026:07:09:31 +0000","timeEpoch":1795763371000},"isBase64Encoded":false}' > "$t/hello.json"
printf 'invoke\t%s\n' "$t/hello.json" > "$t/script"
: > "$t/empty"
ms() { echo "$1 / 1000" | bc -l; }

for mode in supervised single; do
    if [ $mode = single ]; then export LAMBDA_RUNTIME_CONFIG=$t/nosup.ini; else export LAMBDA_RUNTIME_CONFIG=/dev/null; fi
    # 1. start-up: a script with no invocation; the first /next ends the run.
    for i in $(seq "$runs"); do
        "$server" -q -d "$t/rec" -s "$t/empty" -- "$bin" lambda_function.handler 2>/dev/null
        cat "$t/rec/first-next-us"
    done | sort -n > "$t/startup"
    median=$(awk '{v[NR]=$1} END {n=NR; if (n%2) print v[(n+1)/2]; else print (v[n/2]+v[n/2+1])/2}' "$t/startup")
    printf '%-10s exec to first GET /next over %d runs: median %.2f ms (min %.2f, max %.2f)\n' "$mode" "$runs" \
        "$(ms "$median")" "$(ms "$(head -n1 "$t/startup")")" "$(ms "$(tail -n1 "$t/startup")")"
    csv "exec_to_first_next_$mode" "$(printf %.3f "$(ms "$median")")" ms

    # 2. peak RSS over many invocations.
    start=$(date +%s%N)
    "$server" -q -r "$invokes" -d "$t/rec" -s "$t/script" -t 300 -- "$bin" lambda_function.handler 2>/dev/null
    end=$(date +%s%N)
    answered=$(grep -c '^POST.* 202$' "$t/rec/requests")
    if [ $mode = single ]; then
        rss="$(cat "$t/rec/vmhwm-kb") kB"
        csv peak_rss_single "$(cat "$t/rec/vmhwm-kb")" kB
    else
        rss="worker $(cat "$t/rec/vmhwm-children-kb") kB, supervisor $(cat "$t/rec/vmhwm-kb") kB"
        csv peak_rss_worker "$(cat "$t/rec/vmhwm-children-kb")" kB
        csv peak_rss_supervisor "$(cat "$t/rec/vmhwm-kb")" kB
    fi
    printf '%-10s peak RSS (VmHWM) after %d invocations: %s (%d answered, %.0f invocations/s)\n' \
        "$mode" "$invokes" "$rss" "$answered" "$(echo "$invokes * 1000000000 / ($end - $start)" | bc -l)"
done
