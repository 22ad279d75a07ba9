#!/bin/bash
# template.sh -- --template FILE: the functions and routes of a SAM template.
# deploy/template.yaml serves the article's GET /hello and GET /goodbye with
# their own handlers (ImageConfig.Command) and lists what is not emulated;
# a second template covers Handler, Globals, Timeout/MemorySize,
# Environment.Variables with !Ref / !Sub, Api (payload 1.0) and HttpApi
# ($default) events, and the notes for what it cannot use.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
[ -x "$bootstrap" ] || { echo "SKIP: $bootstrap is not built"; exit 77; }
ln -s "$top_builddir/plugins/.libs/lambda_function.so" "$top_builddir/tests/emulator/.libs/httpfn.so" "$task_root/"

start_emulator --config /dev/null --http 127.0.0.1:0 --template "$top_srcdir/deploy/template.yaml" \
  --task-root "$task_root" --runtime "$bootstrap"
front=$(front_url)
[ "$(jget "$(curl -s "$front/hello?name=Chris")" 'j["message"]')" = "Hello, Chris" ] || fail "template: /hello"
# lambda_function.goodbye answers "Goodbye" whatever the path: the route chose it.
[ "$(jget "$(curl -s "$front/goodbye?name=Chris")" 'j["message"]')" = "Goodbye, Chris" ] || fail "template: /goodbye"
[ "$(curl -s "$front/elsewhere")" = '{"message":"Not Found"}' ] || fail "template: 404"
grep -q 'function HelloFunction (handler lambda_function.hello' "$emu_err" || fail "HelloFunction's handler: $(cat "$emu_err")"
grep -q 'function GoodbyeFunction (handler lambda_function.goodbye' "$emu_err" || fail "GoodbyeFunction's handler"
for note in 'Resources.HelloLogGroup: AWS::Logs::LogGroup not emulated' 'Outputs: not emulated' \
            'Resources.HelloFunction.Properties.LoggingConfig: not emulated' \
            'Globals.Function.Architectures: not emulated'; do
  grep -qF "$note" "$emu_err" || fail "not listed at start-up: $note"
done
stop_emulator

tpl=$work/template.yaml
cat >"$tpl" <<'YAML'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hi}
Globals:
  Function:
    MemorySize: 256
    Environment:
      Variables:
        STAGE: !Sub "${AWS::Region}-local"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: httpfn.handler
      Timeout: 7
      Environment:
        Variables:
          GREETING: !Ref Greeting
          SECRET: !GetAtt Other.Arn
      Events:
        Rest: {Type: Api, Properties: {Path: "/rest/{id}", Method: post}}
        Catchall: {Type: HttpApi}
        Queue: {Type: SQS, Properties: {Queue: x}}
YAML
start_emulator --config /dev/null --http 127.0.0.1:0 --template "$tpl" --task-root "$task_root" --runtime "$bootstrap"
front=$(front_url)
env=$(curl -s "$front/env")
[ "$(jget "$env" '(j.get("GREETING"), j.get("STAGE"), j.get("SECRET"), j["memory"])')" = \
  "('hi', 'us-east-1-local', None, 256)" ] || fail "template settings: $env"
ev=$(curl -s -X POST "$front/rest/event")
[ "$(jget "$ev" '(j["version"], j["resource"], j["pathParameters"])')" = \
  "('1.0', '/rest/{id}', {'id': 'event'})" ] || fail "Api event as a 1.0 route: $ev"
grep -q 'route \$default -> function Fn (payload 2.0)' "$emu_err" || fail "HttpApi without Path: \$default"
grep -qF 'Resources.Fn.Properties.Environment.Variables.SECRET: not emulated' "$emu_err" || fail "!GetAtt not listed"
grep -qF 'Resources.Fn.Properties.Events.Queue: not emulated' "$emu_err" || fail "SQS event not listed"
stop_emulator

# A template that is not YAML stops the emulator with where and why.
printf 'Resources:\n  - [unclosed\n' >"$work/bad.yaml"
out=$("$emulator" --config /dev/null --listen 127.0.0.1:0 --template "$work/bad.yaml" --task-root "$task_root" 2>&1)
[ $? = 2 ] && echo "$out" | grep -q 'bad.yaml:[0-9]*:[0-9]*: YAML error' || fail "bad YAML: $out"
exit 0
