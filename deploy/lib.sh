# deploy/lib.sh -- sourced by the deploy/ scripts: the options they share
# (--region, --endpoint-url, --tool, --insecure, --help), the AWS CLI call
# that turns its failures into a remedy, and the choice of docker or podman.
# bash only.

PROG=${0##*/}
# Scratch space of this run, removed on exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lcr-deploy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
AWS_ERR=$WORK/aws.err
REGION=""
ENDPOINT_URL=""
TOOL=""
INSECURE=0

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# common_option "$@": handle one shared option; sets SHIFT_BY.  Returns 1 for
# an option the script must handle itself.
common_option() {
    SHIFT_BY=2
    case $1 in
        --region) [ $# -ge 2 ] || die "--region needs a value (e.g. --region eu-west-1)"; REGION=$2 ;;
        --region=*) REGION=${1#*=}; SHIFT_BY=1 ;;
        --endpoint-url) [ $# -ge 2 ] || die "--endpoint-url needs a URL"; ENDPOINT_URL=$2 ;;
        --endpoint-url=*) ENDPOINT_URL=${1#*=}; SHIFT_BY=1 ;;
        --tool) [ $# -ge 2 ] || die "--tool needs docker or podman"; TOOL=$2 ;;
        --tool=*) TOOL=${1#*=}; SHIFT_BY=1 ;;
        --insecure) INSECURE=1; SHIFT_BY=1 ;;
        -h|--help) usage; exit 0 ;;
        *) return 1 ;;
    esac
}

# need_value OPTION COUNT: OPTION was given COUNT-1 values to look at.
need_value() { [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"; }

unknown_option() { die "unknown argument '$1' (see $PROG --help)"; }

# The region: --region, AWS_REGION, AWS_DEFAULT_REGION, or the CLI profile.
resolve_region() {
    command -v aws >/dev/null 2>&1 ||
        die "the AWS CLI (aws) is not installed.  Install it (https://aws.amazon.com/cli/, or apt-get install awscli) and configure it with 'aws configure'"
    [ -n "$REGION" ] || REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
    [ -n "$REGION" ] || REGION=$(aws configure get region 2>/dev/null || true)
    [ -n "$REGION" ] || die "no AWS region: pass --region REGION (e.g. --region us-east-1), or set AWS_REGION, or run 'aws configure'"
}

# explain_aws_error WHAT STDERR-FILE: the remedy for a failed AWS CLI call.
explain_aws_error() {
    local what=$1 err
    err=$(cat "$2")
    printf '%s\n' "$err" | sed 's/^/  aws: /' >&2
    case $err in
        *"Unable to locate credentials"*|*NoCredentialsError*|*"credentials"*"not"*"found"*)
            die "$what failed: no AWS credentials were found.  Run 'aws configure', or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)" ;;
        *ExpiredToken*|*RequestExpired*|*"token included in the request is expired"*)
            die "$what failed: the AWS credentials have expired.  Refresh them (e.g. 'aws sso login', or new temporary credentials) and run again" ;;
        *InvalidClientTokenId*|*UnrecognizedClient*|*SignatureDoesNotMatch*|*InvalidSignatureException*|*"security token included in the request is invalid"*)
            die "$what failed: AWS rejected the credentials (wrong or deleted access key).  Check them with 'aws sts get-caller-identity' and fix them with 'aws configure'" ;;
        *AccessDenied*|*"not authorized to perform"*|*UnauthorizedOperation*|*AuthorizationError*)
            local perm
            perm=$(printf '%s' "$err" | grep -o 'not authorized to perform: [A-Za-z0-9:*-]*' | head -n 1 | sed 's/.*: //')
            die "$what failed: the credentials lack the IAM permission ${perm:-named above}.  Ask your administrator to grant it (\`$PROG --help\` lists every permission this script needs), or use credentials that have it" ;;
        *"Could not connect to the endpoint URL"*|*EndpointConnectionError*|*"Connection refused"*)
            die "$what failed: cannot reach the AWS endpoint${ENDPOINT_URL:+ $ENDPOINT_URL}.  Check the network, --region ($REGION) and --endpoint-url" ;;
        *)
            die "$what failed (see the AWS CLI message above)" ;;
    esac
}

# awscli WHAT ARGS...: run `aws ARGS...` in the chosen region and endpoint;
# prints its output, or dies with a remedy.
awscli() {
    local what=$1 rc=0; shift
    aws --region "$REGION" ${ENDPOINT_URL:+--endpoint-url "$ENDPOINT_URL"} "$@" 2>"$AWS_ERR" || rc=$?
    [ $rc -eq 0 ] || explain_aws_error "$what" "$AWS_ERR"
}

# awscli_try ARGS...: like awscli but only reports success; stderr is kept in
# the file $AWS_ERR for the caller to inspect.
awscli_try() {
    aws --region "$REGION" ${ENDPOINT_URL:+--endpoint-url "$ENDPOINT_URL"} "$@" 2>"$AWS_ERR"
}

# resolve_tool: docker when its daemon answers, else podman; --tool or
# CONTAINER_TOOL choose explicitly.
resolve_tool() {
    local docker_state="not installed" podman_state="not installed"
    [ -n "$TOOL" ] || TOOL=${CONTAINER_TOOL:-}
    if [ -n "$TOOL" ]; then
        command -v "$TOOL" >/dev/null 2>&1 ||
            die "the container tool '$TOOL' (from --tool or CONTAINER_TOOL) is not installed or not in PATH.  Install docker or podman, or pass --tool with the other one"
        return 0
    fi
    if command -v docker >/dev/null 2>&1; then
        if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
            TOOL=docker; return 0
        fi
        docker_state="installed, but its daemon does not answer (start it, or set DOCKER_HOST)"
    fi
    if command -v podman >/dev/null 2>&1; then
        TOOL=podman; return 0
    fi
    die "no container tool: docker is $docker_state; podman is $podman_state.  Install one (e.g. apt-get install podman, or Docker Engine), or pass --tool"
}

# The --tls-verify=false flag for podman with --insecure; docker reads
# insecure registries from its daemon configuration instead.
# manifest_platforms LIST: "linux/amd64 linux/arm64" for a podman manifest list.
manifest_platforms() {
    "$TOOL" manifest inspect "$1" 2>/dev/null |
        sed -n 's/.*"architecture": *"\([^"]*\)".*/linux\/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

tls_flags() {
    TLS_FLAGS=()
    if [ "$INSECURE" = 1 ]; then
        case ${TOOL##*/} in
            podman) TLS_FLAGS=(--tls-verify=false) ;;
            *) note "--insecure: with docker, list the registry under \"insecure-registries\" in the daemon's daemon.json (podman: registries.conf)" ;;
        esac
    fi
}
