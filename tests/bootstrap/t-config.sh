#!/bin/sh
# t-config.sh -- bootstrap's command line and configuration end to end:
# --help, --version, bad settings (exit 2, FILE:LINE), precedence INI < env
# < argv, and the [log] settings.
. "$SRC/tests/bootstrap/lib.sh"

"$BOOTSTRAP" --help > "$T/out" 2>&1
check "--help exits 0" [ $? = 0 ]
check "--help shows the usage" grep -q "Usage: bootstrap \[OPTION\]... \[HANDLER\]" "$T/out"
"$BOOTSTRAP" --version > "$T/out" 2>&1
check "--version exits 0" [ $? = 0 ]
check "--version prints the version" grep -qx "bootstrap (lambda-c-runtime) [0-9.]*" "$T/out"
"$BOOTSTRAP" --frobnicate > "$T/out" 2>&1
check "unknown option: exit 2" [ $? = 2 ]

printf '[runtime]\nhandler = echo.handler\n\n[log]\nlevel = LOUD\n' > "$T/bad.ini"
"$BOOTSTRAP" --config "$T/bad.ini" > "$T/out" 2>&1
check "bad value: exit 2" [ $? = 2 ]
check "bad value: FILE:LINE and the choices" grep -q "$T/bad.ini:5: bad value 'LOUD' for level: expected one of TRACE" "$T/out"
printf '[runtime]\nretries = 3\n' > "$T/bad.ini"
LAMBDA_RUNTIME_CONFIG=$T/bad.ini "$BOOTSTRAP" > "$T/out" 2>&1
check "unknown key via LAMBDA_RUNTIME_CONFIG: exit 2" [ $? = 2 ]
check "unknown key: FILE:LINE" grep -q "$T/bad.ini:2: unknown key 'retries' in \[runtime\]" "$T/out"

# Long lines (issue 8 item 7): a 300-byte comment and a 70,000-byte value
# in another program's section change no line number; an error after them
# names its own line; --config DIRECTORY is refused by name.
long=$(head -c 70000 /dev/zero | tr '\0' t)
{ printf '; %s\n' "$(head -c 300 /dev/zero | tr '\0' c)"
  printf '[function other]\nenv.TOKEN = %s\n[runtime]\n' "$long"
  printf 'handler = echo.handler   ; %s\n\napi_retries = many\n' "$long"; } > "$T/long.ini"
"$BOOTSTRAP" --config "$T/long.ini" > "$T/out" 2>&1
check "long lines: exit 2 for the bad value after them" [ $? = 2 ]
check "long lines: the bad value's own line (7)" grep -q "$T/long.ini:7: bad value 'many' for api_retries" "$T/out"
"$BOOTSTRAP" --config "$T" > "$T/out" 2>&1
check "--config DIRECTORY: exit 2" [ $? = 2 ]
check "--config DIRECTORY: said so" grep -q "$T: is a directory, not a configuration file" "$T/out"

# Precedence: the INI file names probe.report, _HANDLER beats it, argv beats both.
event e.json '{}'
script "invoke${TAB}$T/e.json"
cat > "$T/full.ini" <<INI
[runtime]
handler = probe.report
api_retries = 3
api_retry_delay = 20ms
[log]
level = WARN
format = JSON
[emulator]
listen = 127.0.0.1:9000
[function other]
handler = echo.handler
INI
export LAMBDA_RUNTIME_CONFIG=$T/full.ini
run
check "handler from the INI file" [ "$(post_body 1 | jq -r .requestId)" = req-1 ]
check "[log] level = WARN hides the plugin's INFO line" sh -c "! grep -q 'probe init' '$T/stderr'"
_HANDLER=probe.logs run
check "_HANDLER beats the INI file" [ "$(post_body 1)" = "{}" ]
check "JSON log lines at WARN and above only" \
    [ "$(grep '"message":"probe line' "$T/stderr" | jq -r .level | tr '\n' ' ')" = "WARN ERROR FATAL " ]
check "extra fields join the JSON line; reserved names ignored" \
    [ "$(grep '"message":"probe fields 1"' "$T/stderr" | jq -c '[.orderId, .level, .requestId]')" = '[42,"WARN","req-1"]' ]
check "JSON log lines carry the request id" [ "$(grep '"message":"probe line' "$T/stderr" | jq -r .requestId | sort -u)" = req-1 ]
_HANDLER=probe.logs run echo.handler
check "the argument beats _HANDLER" [ "$(post_body 1)|$(grep -c 'probe line' "$T/stderr")" = "{}|0" ]
AWS_LAMBDA_LOG_LEVEL=TRACE AWS_LAMBDA_LOG_FORMAT=Text run probe.logs
check "AWS_LAMBDA_LOG_LEVEL/FORMAT beat the INI file" [ "$(grep -c 'probe line' "$T/stderr")" = 6 ]
check "Text lines: timestamp, request id, level, message" \
    grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z${TAB}req-1${TAB}DEBUG${TAB}probe line at level 1\$" "$T/stderr"
check "Text lines: extra fields follow the message as JSON" \
    grep -qE "${TAB}WARN${TAB}probe fields 1 \\{\"orderId\":42,\"level\":\"ignored\"\\}\$" "$T/stderr"
AWS_LAMBDA_LOG_LEVEL=verbose run probe.logs
check "bad AWS_LAMBDA_LOG_LEVEL: exit 2" [ "$(status)" = "exit 2" ]
check "bad AWS_LAMBDA_LOG_LEVEL named" stderr_has "environment variable AWS_LAMBDA_LOG_LEVEL: bad value 'verbose'"
[ "$failures" = 0 ] || show_stderr
finish
