#!/bin/sh
# t-context.sh -- what a handler learns about its invocation: every Runtime
# API header through the accessors, _X_AMZN_TRACE_ID set per invocation
# (cleared when absent, or when over 1024 bytes), the function's settings, the invocation id
# echoed on the answer only when it was given, and a Runtime API address
# with a path prefix.
. "$SRC/tests/bootstrap/lib.sh"

event e.json '{"k":1}'
trace='Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1'
longtrace="$trace;Lineage=$(head -c 1100 /dev/zero | tr '\0' 'a')"
script "invoke${TAB}$T/e.json${TAB}id=first${TAB}Lambda-Runtime-Trace-Id: $trace${TAB}Lambda-Runtime-Client-Context: {\"client\":1}${TAB}Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"c\"}${TAB}Lambda-Runtime-Aws-Tenant-Id: tenant-7${TAB}Lambda-Runtime-Invocation-Id: nonce-1" \
       "invoke${TAB}$T/e.json${TAB}id=second${TAB}deadline=5000" \
       "invoke${TAB}$T/e.json${TAB}id=third${TAB}Lambda-Runtime-Invocation-Id: nonce-3" \
       "invoke${TAB}$T/e.json${TAB}id=fourth${TAB}Lambda-Runtime-Trace-Id: $longtrace" \
       "invoke${TAB}$T/e.json${TAB}id=fifth${TAB}Lambda-Runtime-Trace-Id: $trace"
export AWS_LAMBDA_FUNCTION_NAME=probe-fn AWS_LAMBDA_FUNCTION_VERSION='$LATEST' \
       AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512 AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/probe-fn \
       AWS_LAMBDA_LOG_STREAM_NAME='2026/11/27/[$LATEST]0123'
before=$(date +%s%3N)
run --server "-p /some/prefix" probe.report
after=$(date +%s%3N)

j() { post_body "$1" | jq -r "$2"; }
check "three answers under the path prefix" \
    [ "$(post_path 1) $(post_path 3)" = "/some/prefix/2018-06-01/runtime/invocation/first/response /some/prefix/2018-06-01/runtime/invocation/third/response" ]
check "request id" [ "$(j 1 .requestId)" = first ]
check "function ARN" [ "$(j 1 .arn)" = "arn:aws:lambda:us-east-1:123456789012:function:test" ]
check "trace id accessor" [ "$(j 1 .traceId)" = "$trace" ]
check "_X_AMZN_TRACE_ID during the invocation" [ "$(j 1 .traceEnv)" = "$trace" ]
check "client context" [ "$(j 1 .clientContext)" = '{"client":1}' ]
check "cognito identity" [ "$(j 1 .cognitoIdentity)" = '{"cognitoIdentityId":"c"}' ]
check "tenant id" [ "$(j 1 .tenantId)" = tenant-7 ]
check "event length and JSON" [ "$(j 1 '.eventLength, .eventIsJson' | tr '\n' ' ')" = "7 true " ]
check "function settings" [ "$(j 1 '.functionName, .functionVersion, .memoryMb, .logGroup, .logStream' | tr '\n' '|')" = 'probe-fn|$LATEST|512|/aws/lambda/probe-fn|2026/11/27/[$LATEST]0123|' ]
check "invocation id echoed" [ "$(post_header 1 Lambda-Runtime-Invocation-Id)" = nonce-1 ]
check "no invocation id: nothing echoed" sh -c "! grep -qi '^Lambda-Runtime-Invocation-Id:' '$T/rec/post-2.headers'"
check "invocation id of the third echoed" [ "$(post_header 3 Lambda-Runtime-Invocation-Id)" = nonce-3 ]
check "no trace id: accessor and env empty" [ "$(j 2 '.traceId, .traceEnv' | tr '\n' ' ')" = "null null " ]
check "a trace id over 1024 bytes: the accessor has it whole, the variable is unset" \
    [ "$(j 4 '.traceId | length')|$(j 4 .traceEnv)" = "${#longtrace}|null" ]
check "a trace id over 1024 bytes: a warning" stderr_has "trace id of ${#longtrace} bytes is longer than 1024: _X_AMZN_TRACE_ID is left unset"
check "the next trace id is exported again" [ "$(j 5 .traceEnv)" = "$trace" ]
check "optional headers absent: NULL" [ "$(j 2 '.clientContext, .cognitoIdentity, .tenantId' | tr '\n' ' ')" = "null null null " ]
d=$(j 2 .deadlineMs) r=$(j 2 .remainingMs)
# The deadline was set 5000 ms after a moment within the run, and the
# handler read the clock (deadline - remaining) within it too: exact
# bounds, whatever the machine's load.
check "deadline and remaining time" sh -c "[ $d -ge $((before + 5000)) ] && [ $d -le $((after + 5000)) ] && [ $r -le 5000 ] && [ $((d - r)) -ge $before ] && [ $((d - r)) -le $after ]"
[ "$failures" = 0 ] || show_stderr
finish
