#!/bin/bash
# ini-lines.sh -- lambda-emulator reads INI lines of any practical length
# (issue 8 item 7): a long comment and env.TOKEN values of 300 and 65,537
# bytes reach the function whole; an error after them names its own line;
# --config DIRECTORY is refused by name.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

cfg=$work/long.ini
short=$(head -c 300 /dev/zero | tr '\0' s)
long=$(head -c 65537 /dev/zero | tr '\0' L)
{ printf '; %s\n[emulator]\n' "$(head -c 250 /dev/zero | tr '\0' c)"
  printf 'env.CUSTOM_SHORT = %s\n' "$short"
  printf '[function f]\nenv.CUSTOM_LONG = %s   ; a comment after the value\n' "$long"; } >"$cfg"
start_emulator --config "$cfg" --task-root "$task_root" --runtime "$script_runtime"
ctx=$(curl -s "$(invoke_url f)" -d '{"action":"context"}')
[ "$(jget "$ctx" 'len(j["env"]["CUSTOM_SHORT"])')" = 300 ] || fail "env.CUSTOM_SHORT of 300 bytes: ${ctx:0:300}"
[ "$(jget "$ctx" 'j["env"]["CUSTOM_LONG"] == "L" * 65537')" = True ] || fail "env.CUSTOM_LONG of 65,537 bytes: ${ctx:0:300}"
stop_emulator

printf '[emulator]\nenv.TOKEN = %s\n\ntimeout = soon\n' "$long" >"$cfg"
err=$("$emulator" --config "$cfg" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "a bad value after a long line: exit $rc, expected 2 ($err)"
echo "$err" | grep -q -- "$cfg:4: bad value 'soon' for timeout" || fail "wrong line or message: $err"

err=$("$emulator" --config "$work" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "--config DIRECTORY: exit $rc, expected 2 ($err)"
echo "$err" | grep -q -- "$work: is a directory, not a configuration file" || fail "--config DIRECTORY: $err"
exit 0
