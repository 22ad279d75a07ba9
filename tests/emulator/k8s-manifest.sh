#!/bin/bash
# k8s-manifest.sh -- deploy/k8s.yaml is a coherent Deployment + Service for
# the image in service mode (parsed with python3-yaml: kinds, the selector
# matches the pod labels, the Service's targetPort and the probes name the
# container port, LAMBDA_HTTP_LISTEN listens on it), and the pod's command
# (the image's entrypoint runs lambda-emulator with the handler argument)
# answers the readiness probe's path with 200 through the HTTP front.
set -u
. "$top_srcdir/tests/emulator/lib.sh"

require_package python3-yaml "reading deploy/k8s.yaml" python3 -c 'import yaml'
spec=$(python3 - "$top_srcdir/deploy/k8s.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"]: d for d in docs}
assert set(kinds) == {"Deployment", "Service"}, kinds.keys()
dep, svc = kinds["Deployment"], kinds["Service"]
assert dep["apiVersion"] == "apps/v1" and svc["apiVersion"] == "v1"
labels = dep["spec"]["template"]["metadata"]["labels"]
assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items(), "selector does not match the pod"
assert svc["spec"]["selector"].items() <= labels.items(), "the Service selects no pod"
(c,) = dep["spec"]["template"]["spec"]["containers"]
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
env = {e["name"]: e["value"] for e in c["env"]}
listen = env["LAMBDA_HTTP_LISTEN"]
assert listen.startswith("0.0.0.0:"), "the front must listen on every interface in a pod"
assert int(listen.rsplit(":", 1)[1]) in ports.values(), "LAMBDA_HTTP_LISTEN is not the container port"
for p in svc["spec"]["ports"]:
    assert p["targetPort"] in ports, f"targetPort {p['targetPort']} is no container port"
probe = c["readinessProbe"]["httpGet"]
assert probe["port"] in ports
mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
assert not c["securityContext"].get("readOnlyRootFilesystem") or "/tmp" in mounts, "read-only root needs /tmp"
(handler,) = c["args"]
print(handler, probe["path"])
PY
) || fail "deploy/k8s.yaml is not a coherent Deployment + Service"
read -r handler probe_path <<<"$spec"

bootstrap="$top_builddir/src/bootstrap/bootstrap"
[ -x "$bootstrap" ] || { echo "SKIP: $bootstrap is not built"; exit 77; }
ln -s "$top_builddir/plugins/.libs/lambda_function.so" "$task_root/"
LAMBDA_HTTP_LISTEN=127.0.0.1:0 start_emulator --config /dev/null --task-root "$task_root" \
  --runtime "$bootstrap" "$handler"
code=$(curl -s -o "$work/probe" -w '%{http_code}' "$(front_url)$probe_path")
[ "$code" = 200 ] || fail "readiness probe $probe_path answered $code: $(cat "$work/probe")"
stop_emulator
