#!/bin/bash
# sdk.sh -- boto3 invoke_with_response_stream through the emulator to the
# real bootstrap and plugins (stream.py): incremental server-sent events,
# mid-stream errors, the exactly-once rules; with and without bootstrap's
# supervisor.
. "$top_srcdir/tests/stream/lib.sh"
for sup in true false; do
  start_stream_emulator $sup
  python3 "$top_srcdir/tests/stream/stream.py" "$url" || fail "boto3 streaming (supervisor = $sup)"
  stop_emulator
done
echo "PASS: sdk"
