#!/bin/bash
# bulk.sh -- a 200 MB stream (stream.bulk) through the emulator to boto3:
# every byte arrives, and the peak RSS (VmHWM) of bootstrap's processes
# grows by less than 8 MB over a warm 1 MB stream: memory stays flat.
. "$top_srcdir/tests/stream/lib.sh"
size=$((200 * 1024 * 1024))
limit_kb=$((8 * 1024))
# hwm: "PID KB" for each bootstrap process serving function bulk
hwm() { for p in $(runtime_pids bulk); do echo "$p $(awk '/^VmHWM:/ {print $2}' /proc/$p/status)"; done; }
for sup in true false; do
  start_stream_emulator $sup
  python3 "$top_srcdir/tests/stream/bulk.py" "$url" $((1024 * 1024)) >/dev/null || fail "1 MB stream (supervisor = $sup)"
  before=$(hwm)
  [ -n "$before" ] || fail "no bootstrap process found for function bulk"
  secs=$(python3 "$top_srcdir/tests/stream/bulk.py" "$url" $size) || fail "200 MB stream (supervisor = $sup)"
  after=$(hwm)
  growth=$(join <(echo "$before" | sort) <(echo "$after" | sort) | awk '{g = $3 - $2; if (g > m) m = g} END {print m + 0}')
  [ "$(echo "$after" | cut -d' ' -f1)" = "$(echo "$before" | cut -d' ' -f1)" ] ||
    fail "bootstrap's processes changed during the stream (a crash?): before $(echo $before), after $(echo $after)"
  echo "supervisor = $sup: 200 MB streamed in $secs s; bootstrap VmHWM before: $(echo $before) kB; after: $(echo $after) kB; growth $growth kB"
  [ "$growth" -lt $limit_kb ] || fail "bootstrap's peak RSS grew by $growth kB during a 200 MB stream (limit $limit_kb kB)"
  stop_emulator
done
echo "PASS: bulk"
