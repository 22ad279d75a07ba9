#!/bin/bash
# sdk.sh -- clients we did not write: boto3 invoke / invoke_with_response_stream
# (sdk.py) and `aws lambda invoke` and `invoke-async --endpoint-url`, with
# dummy credentials.
set -u
. "$top_srcdir/tests/emulator/lib.sh"
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

start_emulator --config /dev/null --task-root "$task_root" --runtime "$script_runtime" --timeout 10
python3 "$top_srcdir/tests/emulator/sdk.py" "$url" || fail "boto3"

command -v aws >/dev/null || { echo "SKIP: no aws CLI"; exit 77; }
out=$work/out.json
meta=$(aws lambda invoke --endpoint-url "$url" --function-name function \
  --payload '{"from":"aws-cli"}' "$out") || fail "aws lambda invoke failed"
[ "$(cat "$out")" = '{"from":"aws-cli"}' ] || fail "aws lambda invoke wrote '$(cat "$out")'"
[ "$(jget "$meta" 'j["StatusCode"]')" = 200 ] || fail "aws lambda invoke: $meta"
meta=$(aws lambda invoke --endpoint-url "$url" --function-name function --log-type Tail \
  --payload '{"action":"error","message":"cli"}' "$out") || fail "aws lambda invoke (error) failed"
[ "$(jget "$meta" 'j["FunctionError"]')" = Unhandled ] || fail "aws lambda invoke error: $meta"
jget "$meta" 'j["LogResult"]' | base64 -d | grep -q '^REPORT RequestId' || fail "aws CLI LogResult: $meta"
# The deprecated InvokeAsync, as `aws lambda invoke-async` sends it.
printf '{"from":"invoke-async"}' >"$work/args.json"
meta=$(aws lambda invoke-async --endpoint-url "$url" --function-name function \
  --invoke-args "$work/args.json") || fail "aws lambda invoke-async failed"
[ "$(jget "$meta" 'j["Status"]')" = 202 ] || fail "aws lambda invoke-async: $meta"
stop_emulator
echo "PASS: sdk"
