# tests/image/deploy-checks.sh -- sourced by tests/image/run: publishing and
# deployment checks.  A local registry (Debian's docker-registry, loopback,
# its own config and storage) takes the pushes; moto_server on loopback plays
# ECR, CloudFormation and Lambda for the deploy/ scripts (dummy credentials);
# cfn-lint checks the SAM template.  Needs the harness and the run script's
# IMAGE, EVENT, start helpers.  bash only.

DEPLOY=$srcdir/deploy

# start_registry: docker-registry on 127.0.0.1:$REG_PORT (the run script
# lists it as a plain-HTTP registry in registries.conf first); sets REG.
start_registry() {
    mkdir -p "$LCR_SCRATCH/registry/data"
    cat >"$LCR_SCRATCH/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $LCR_SCRATCH/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REG_PORT
EOF
    # REGISTRY_* variables override its configuration: drop podman's.
    env -u REGISTRY_AUTH_FILE docker-registry serve "$LCR_SCRATCH/registry/config.yml" >"$LCR_LOGS/registry.out" 2>&1 &
    track_pid $!
    REG=127.0.0.1:$REG_PORT
    wait_until 20 curl -sf "http://$REG/v2/" || { echo "docker-registry did not start:"; cat "$LCR_LOGS/registry.out"; return 1; }
    echo "registry on $REG"
}

# start_moto: moto_server on a free loopback port; sets MOTO and the dummy
# credentials the deploy scripts use.
start_moto() {
    local port
    command -v moto_server >/dev/null || { echo "moto_server is not installed (pip install 'moto[server]')"; return 1; }
    command -v aws >/dev/null || { echo "the AWS CLI is not installed (pip install awscli)"; return 1; }
    port=$(free_port)
    moto_server -H 127.0.0.1 -p "$port" >"$LCR_LOGS/moto.out" 2>&1 &
    track_pid $!
    MOTO=http://127.0.0.1:$port
    wait_until 30 curl -sf "$MOTO/moto-api/data.json" || { echo "moto_server did not start:"; cat "$LCR_LOGS/moto.out"; return 1; }
    echo "moto_server on $MOTO"
}

# The AWS side of the scripts runs against moto with these.
aws_env() {
    env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
        AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
        AWS_EC2_METADATA_DISABLED=true "$@"
}
MOTO_ARGS=()   # --region/--endpoint-url, set once moto runs

t_cfn_lint() {
    command -v cfn-lint >/dev/null || { echo "cfn-lint is not installed (pip install cfn-lint)"; return 1; }
    cfn-lint "$DEPLOY/template.yaml" || return 1
    # The linter really expands the SAM resources: functions that are not
    # images then lack Runtime and Handler, and must be refused.
    sed 's/PackageType: Image/PackageType: Zip/' "$DEPLOY/template.yaml" >"$LCR_SCRATCH/broken-template.yaml"
    if cfn-lint "$LCR_SCRATCH/broken-template.yaml"; then
        echo "cfn-lint accepted functions without an image, runtime or handler"
        return 1
    fi
    echo "(the broken copy is refused, as it should be)"
    # Both architectures: the template with each as the default; and the
    # linter does resolve the parameter into the functions' Architectures:
    # an unknown one is refused.
    local a
    for a in x86_64 arm64; do
        sed "s/^    Default: x86_64\$/    Default: $a/" "$DEPLOY/template.yaml" >"$LCR_SCRATCH/template-$a.yaml"
        grep -q "^    Default: $a\$" "$LCR_SCRATCH/template-$a.yaml" || { echo "no Architecture default to replace"; return 1; }
        cfn-lint "$LCR_SCRATCH/template-$a.yaml" || { echo "cfn-lint refused Architecture=$a"; return 1; }
        echo "Architecture=$a: cfn-lint passes"
    done
    sed 's/^    AllowedValues: \[x86_64, arm64\]$//; s/^    Default: x86_64$/    Default: sparc/' \
        "$DEPLOY/template.yaml" >"$LCR_SCRATCH/template-sparc.yaml"
    if cfn-lint "$LCR_SCRATCH/template-sparc.yaml"; then
        echo "cfn-lint accepted Architecture=sparc"
        return 1
    fi
    echo "(Architecture=sparc is refused, as it should be)"
}

t_scripts_help() {
    local s
    for s in create-repo login push deploy-stack invoke; do
        "$DEPLOY/$s" --help | grep -q -- '--region' || { echo "$s --help does not mention --region"; return 1; }
        "$DEPLOY/$s" --help | grep -q -- '--endpoint-url' || { echo "$s --help does not mention --endpoint-url"; return 1; }
    done
    echo "all scripts document --region and --endpoint-url"
}

# expect_failure PATTERN COMMAND...: COMMAND fails and says PATTERN.
expect_failure() {
    local pattern=$1 out; shift
    if out=$("$@" 2>&1); then
        printf '%s\n' "$out"; echo "expected a failure"; return 1
    fi
    expect "$pattern" "$out"
}

t_remedies() {
    # No credentials at all.
    expect_failure "Run 'aws configure'" \
        env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
        AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
        "$DEPLOY/create-repo" "${MOTO_ARGS[@]}" || return 1
    # No region anywhere.
    expect_failure "no AWS region" \
        env -u AWS_REGION -u AWS_DEFAULT_REGION AWS_CONFIG_FILE=/dev/null \
        "$DEPLOY/invoke" --function-name f || return 1
    # Neither docker nor podman: a PATH holding only what the scripts need.
    local bin=$LCR_SCRATCH/bin-without-containers t
    mkdir -p "$bin"
    for t in bash env sed grep cat mktemp rm tr cut od date dirname aws python3 pyenv; do
        [ -e "$bin/$t" ] || ln -s "$(command -v "$t")" "$bin/$t" 2>/dev/null || true
    done
    expect_failure "no container tool" \
        env PATH="$bin" "$DEPLOY/push" --repository-uri "$REG/x" || return 1
    # An image that is not in ECR cannot be deployed to Lambda.
    expect_failure "is not an Amazon ECR image" \
        aws_env "$DEPLOY/deploy-stack" "${MOTO_ARGS[@]}" --image-uri "$REG/lambda-c-runtime:1" || return 1
}

# A second moto that enforces IAM: a user without policies is refused, and
# the script names the missing permission; unknown keys are called invalid.
t_permission_remedy() {
    local port url keys key secret
    port=$(free_port)
    INITIAL_NO_AUTH_ACTION_COUNT=2 moto_server -H 127.0.0.1 -p "$port" >"$LCR_LOGS/moto-iam.out" 2>&1 &
    track_pid $!
    url=http://127.0.0.1:$port
    wait_until 30 curl -sf "$url/moto-api/data.json" || { echo "moto_server (IAM) did not start"; return 1; }
    aws_env aws --region us-east-1 --endpoint-url "$url" iam create-user --user-name nobody >/dev/null || return 1
    keys=$(aws_env aws --region us-east-1 --endpoint-url "$url" iam create-access-key --user-name nobody \
        --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text) || return 1
    read -r key secret <<<"$keys"
    expect_failure "lack the IAM permission ecr:DescribeRepositories" \
        env -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" \
        AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
        "$DEPLOY/create-repo" --region us-east-1 --endpoint-url "$url" || return 1
    expect_failure "AWS rejected the credentials" \
        aws_env "$DEPLOY/create-repo" --region us-east-1 --endpoint-url "$url" || return 1
    stop_pid "${LCR_PIDS[-1]}"
}

t_create_repo() {
    local uri again
    uri=$(aws_env "$DEPLOY/create-repo" "${MOTO_ARGS[@]}" --repository lambda-c-runtime) || return 1
    echo "created: $uri"
    again=$(aws_env "$DEPLOY/create-repo" "${MOTO_ARGS[@]}" --repository lambda-c-runtime) || return 1
    [ "$uri" = "$again" ] || { echo "second run printed $again"; return 1; }
    aws_env aws "${MOTO_ARGS[@]}" ecr describe-repositories --repository-names lambda-c-runtime \
        --query 'repositories[0].repositoryUri' --output text | grep -qxF "$uri" || return 1
    case $uri in *.dkr.ecr.us-east-1.amazonaws.com/lambda-c-runtime) ;; *) return 1 ;; esac
    ECR_URI=$uri
}

# Login with the ECR token from moto, push with podman, then with docker
# (detected: the podman service answers the docker CLI); then a push by
# repository name, resolved through moto's ECR.
t_login_push() {
    local out
    out=$(aws_env "$DEPLOY/login" "${MOTO_ARGS[@]}" --registry "$REG" --tool podman --insecure 2>&1) || { echo "$out"; return 1; }
    expect "$REG" "$out" || return 1
    PUSHED=$("$DEPLOY/push" --image "$IMAGE" --repository-uri "$REG/lambda-c-runtime" \
        --tag t1 --tool podman --insecure) || return 1
    [ "$PUSHED" = "$REG/lambda-c-runtime:t1" ] || { echo "push printed $PUSHED"; return 1; }
    if [ "${DOCKER[0]}" = docker ]; then
        out=$("$DEPLOY/push" --image "$IMAGE" --repository-uri "$REG/lambda-c-runtime" --tag t2 2>&1) || { echo "$out"; return 1; }
        expect "with docker" "$out" || return 1
    fi
    curl -sf "http://$REG/v2/lambda-c-runtime/tags/list" || return 1
    # --repository NAME resolves the URI through ECR (moto); moto's registry
    # host does not exist, so the push itself must fail with a remedy.
    expect_failure "push $ECR_URI:t3 failed" \
        aws_env "$DEPLOY/push" "${MOTO_ARGS[@]}" --image "$IMAGE" --repository lambda-c-runtime \
        --tag t3 --tool podman
    podman rmi "$ECR_URI:t3" >/dev/null 2>&1 || true
}

# Pull the pushed image into a second, empty storage (another machine, in
# effect) and run it from there.
t_pull_run() {
    [ -n "${PUSHED:-}" ] || { echo "nothing was pushed"; return 1; }
    local root=$LCR_SCRATCH/storage2 name=$LCR_RUN_ID-pulled port out rc=0
    local p2=(podman --root "$root" --runroot "$LCR_SCRATCH/run2")
    LCR_EXTRA_ROOTS+=("$root:$LCR_SCRATCH/run2")
    "${p2[@]}" pull --tls-verify=false "$PUSHED" || return 1
    [ "$("${p2[@]}" image inspect -f '{{.Id}}' "$PUSHED")" = "$(podman image inspect -f '{{.Id}}' "$IMAGE")" ] ||
        { echo "the pulled image differs from the pushed one"; return 1; }
    port=$(free_port)
    "${p2[@]}" run -d --name "$name" -p "127.0.0.1:$port:8080" "$PUSHED" || return 1
    wait_until 30 http_up "http://127.0.0.1:$port/" || rc=1
    [ "$rc" = 0 ] && { out=$(invoke "$port") || rc=1; }
    [ "$rc" = 0 ] && { expect 'Hello, Chris' "$out" || rc=1; }
    "${p2[@]}" logs "$name" 2>&1 | tail -n 10
    "${p2[@]}" rm -f -t 0 "$name" >/dev/null
    return $rc
}

# t_deploy_stack ARCH STACK: deploy-stack --architecture ARCH creates both
# functions with the pushed image, the stack's Architecture parameter is
# ARCH and the deployed template gives it to both functions (moto's
# CloudFormation does not hand Architectures on to its Lambda, so
# get-function cannot show it).
t_deploy_stack() {
    [ -n "${ECR_URI:-}" ] || { echo "no ECR repository was created"; return 1; }
    local arch=$1 stack=$2 out fn uri name param
    out=$(aws_env "$DEPLOY/deploy-stack" "${MOTO_ARGS[@]}" --image-uri "$ECR_URI:t1" \
        --architecture "$arch" --stack-name "$stack" --local-transform 2>&1) || { echo "$out"; return 1; }
    expect "HelloFunction	$stack-HelloFunction-" "$out" || return 1
    for fn in HelloFunction GoodbyeFunction; do
        name=$(aws_env aws "${MOTO_ARGS[@]}" cloudformation describe-stack-resource --stack-name "$stack" \
            --logical-resource-id "$fn" --query StackResourceDetail.PhysicalResourceId --output text) || return 1
        uri=$(aws_env aws "${MOTO_ARGS[@]}" lambda get-function --function-name "$name" \
            --query Code.ImageUri --output text) || return 1
        echo "$fn: $name runs $uri"
        [ "$uri" = "$ECR_URI:t1" ] || return 1
    done
    param=$(aws_env aws "${MOTO_ARGS[@]}" cloudformation describe-stacks --stack-name "$stack" \
        --query "Stacks[0].Parameters[?ParameterKey=='Architecture'].ParameterValue" --output text) || return 1
    echo "parameter Architecture: $param"
    [ "$param" = "$arch" ] || return 1
    aws_env aws "${MOTO_ARGS[@]}" cloudformation get-template --stack-name "$stack" --output json |
        jq -c '.TemplateBody | if type == "string" then fromjson else . end | .Resources
               | to_entries[] | select(.value.Type == "AWS::Lambda::Function")
               | [.key, .value.Properties.Architectures]' | tee "$LCR_SCRATCH/archs"
    [ "$(grep -cF '[{"Ref":"Architecture"}]' "$LCR_SCRATCH/archs")" = 2 ] || return 1
    aws_env aws "${MOTO_ARGS[@]}" logs describe-log-groups --log-group-name-prefix "/aws/lambda/$stack-" \
        --query 'logGroups[].[logGroupName,retentionInDays]' --output text | tee "$LCR_SCRATCH/groups"
    [ "$(grep -c $'\t14$' "$LCR_SCRATCH/groups")" = 2 ]
}

# moto runs Lambda invocations only in its own docker images, so its
# docker-less Lambda answers instead: the script's resolution of the stack's
# function, the invoke call and the printing of the answer are what is tested.
t_invoke_script() {
    local out
    curl -sf -X POST "$MOTO/moto-api/config" -H 'Content-Type: application/json' \
        -d '{"lambda": {"use_docker": false}}' || return 1
    curl -sf -X POST "$MOTO/moto-api/static/lambda-simple/response" -H 'Content-Type: application/json' \
        -d '{"results": ["{\"statusCode\": 200, \"body\": \"Goodbye, Chris (from moto)\"}"], "region": "us-east-1"}' || return 1
    out=$(aws_env "$DEPLOY/invoke" "${MOTO_ARGS[@]}" --stack-name lcr-test --function goodbye --name Chris 2>&1) || { echo "$out"; return 1; }
    expect 'Goodbye, Chris (from moto)' "$out" || return 1
    expect 'lcr-test-GoodbyeFunction' "$out"
}

run_deploy_checks() {
    check "cfn-lint deploy/template.yaml passes (and refuses a broken copy)" t_cfn_lint
    check "deploy scripts: --help documents --region and --endpoint-url" t_scripts_help
    if check "moto_server starts on loopback" start_moto; then
        MOTO_ARGS=(--region us-east-1 --endpoint-url "$MOTO")
        check "deploy scripts fail with a remedy: no credentials, no region, no docker/podman, non-ECR image" t_remedies
        check "deploy scripts name the missing IAM permission; invalid keys are called invalid (moto enforcing IAM)" t_permission_remedy
        check "deploy/create-repo creates the ECR repository once (moto)" t_create_repo
        if [ "$IMAGE_BUILT" = 1 ]; then
            check "deploy/login (ECR token from moto) + deploy/push with podman and docker to the local registry" t_login_push
            check "pull the pushed image into empty storage; it runs and answers" t_pull_run
        else
            skip_check "login and push" "the image did not build"
            skip_check "pull and run" "the image did not build"
        fi
        check "deploy/deploy-stack --local-transform creates both functions from the image, x86_64 (moto CloudFormation)" \
            t_deploy_stack x86_64 lcr-test
        check "deploy/deploy-stack --architecture arm64: the stack gives both functions Architecture arm64 (moto CloudFormation)" \
            t_deploy_stack arm64 lcr-arm64
        check "deploy/deploy-stack --architecture sparc is refused with the two choices" \
            expect_failure "Lambda runs x86_64 or arm64" aws_env "$DEPLOY/deploy-stack" "${MOTO_ARGS[@]}" \
            --image-uri "123456789012.dkr.ecr.us-east-1.amazonaws.com/lambda-c-runtime:t1" --architecture sparc
        check "deploy/invoke finds the stack's function and prints its answer (moto Lambda)" t_invoke_script
    else
        skip_check "deploy scripts against moto" "moto_server did not start"
    fi
}
