#!/bin/bash
# quiet.sh -- an idle emulator sleeps: with an instance started and nothing
# to do, its threads (log writer, manager, event loop, the instance's output
# reader) wait for work instead of waking up on a timer.  Counted as the
# voluntary context switches of all its threads (/proc/PID/task/*/status)
# over an idle window: a thread on a 50 ms timer makes about 40 in 2 s.  The
# console's keep-alive thread (a comment on each live stream every 5 s)
# starts with the first live stream, not before, and sleeps while none is open.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

# In a ThreadSanitizer build the sanitizer's runtime has a thread of its
# own that sleeps 100 ms at a time in nanosleep(); none of the emulator's
# threads sleeps there (they wait on futexes, epoll, poll or signals), so
# in that build a thread found in nanosleep is the runtime's and not counted.
sanitizer_thread() {
  [ "${sanitizer:-no}" = thread ] && [ "$(cat "$1/wchan" 2>/dev/null)" = hrtimer_nanosleep ]
}

switches() {
  local n=0 t v
  for t in /proc/"$emu_pid"/task/*; do
    sanitizer_thread "$t" && continue
    v=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$t/status" 2>/dev/null)
    n=$((n + ${v:-0}))
  done
  echo "$n"
}

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime"
[ "$(curl -s -m 120 "$(invoke_url)" -d '{"q":1}')" = '{"q":1}' ] || fail "first invoke"
wait_for "^REPORT RequestId" "$emu_out" 30 || fail "no REPORT line"
before=$(switches)
sleep 2 # the window counted, not a synchronisation
after=$(switches)
woke=$((after - before))
echo "idle emulator: $woke voluntary context switches in 2 s"
[ "$woke" -le 5 ] || fail "the idle emulator woke up $woke times in 2 s (a thread on a timer?)"
# No console keep-alive thread until a browser opens a live stream.
kick_thread() { grep -qx console-kick /proc/"$emu_pid"/task/*/comm 2>/dev/null; }
! kick_thread || fail "a console keep-alive thread runs with no live stream open"
curl -sN -m 60 "$url/console/api/events" >/dev/null & sse_pid=$!
n=0; until kick_thread || [ $n -ge 300 ]; do sleep 0.1; n=$((n + 1)); done
kill "$sse_pid" 2>/dev/null; wait "$sse_pid" 2>/dev/null
[ $n -lt 300 ] || fail "no console keep-alive thread while a live stream is open"
# And it still works after the idle window.
[ "$(curl -s -m 60 "$(invoke_url)" -d '{"q":2}')" = '{"q":2}' ] || fail "invoke after idling"
stop_emulator
echo "PASS: an idle emulator does not wake up"
