# tests/image/arm64-checks.sh -- sourced by tests/image/run: the image for
# linux/arm64 (Graviton), cross-compiled in the Dockerfile's build stage and
# run on this x86_64 machine by qemu-aarch64 through binfmt_misc.  Needs the
# harness and the run script's helpers (start_fn, serve_and_expect,
# t_article_flow, image_bytes, mb, REG).  bash only.
#
# What runs (docs/arm64.md has the measured times and why):
#   LCR_IMAGE_ARM64=minimal (default)  the minimal target for linux/arm64: its
#       build stage runs natively and cross-compiles, its final stage is
#       FROM scratch, so no arm64 Debian root file system is needed; one tag
#       holding the amd64 and arm64 images (a manifest list), pushed with
#       deploy/push; the article's flow, a CMD override and --read-only
#       --user 1051 under qemu.
#   LCR_IMAGE_ARM64=full  also the default target for linux/arm64, on an arm64
#       Debian minbase (tests/image/base-rootfs --arch arm64, cached; its
#       first bootstrap runs dpkg under qemu and takes long), the article's
#       flow on it and a manifest list of both default images.
#   LCR_IMAGE_ARM64=no    skip them.
# The minimal libcurl and libmicrohttpd cross-built for arm64 are kept in the
# cache directory (curl-minimal-arm64, mhd-minimal-arm64) and lent to the next
# run's build, as the host's are.

MINIMAL_ARM64=localhost/lambda-c-runtime:minimal-arm64
MINIMAL_LIST=localhost/lambda-c-runtime:minimal-multiarch
IMAGE_ARM64=localhost/lambda-c-runtime:arm64
IMAGE_LIST=localhost/lambda-c-runtime:multiarch
BASE_LIST=localhost/debian-multiarch:bookworm-slim
NATIVE_PLATFORM=linux/$(dpkg --print-architecture)

# arm64_unavailable: prints why arm64 programs cannot run here (status 0),
# or nothing (status 1) when they can.
arm64_unavailable() {
    if ! grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64; then
        echo "binfmt_misc has no enabled qemu-aarch64 entry, so arm64 programs cannot run here"
        return 0
    fi
    if ! grep -qs '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64; then
        echo "the qemu-aarch64 binfmt_misc entry lacks the F (fix binary) flag, so containers cannot use it"
        return 0
    fi
    return 1
}

arm64_cache_dir() {
    local d=${LCR_CACHE_DIR:-/var/cache/lambda-c-runtime}
    mkdir -p "$d" 2>/dev/null && [ -w "$d" ] || d=${XDG_CACHE_HOME:-$HOME/.cache}/lambda-c-runtime
    mkdir -p "$d" && echo "$d"
}

# build_arm64 TARGET TAG [PODMAN-BUILD-OPTIONS...]: the Dockerfile for
# linux/arm64 with the build stage on this machine's platform (podman 4.3
# does not fill BUILDPLATFORM), lending the cached arm64 minimal libraries.
build_arm64() {
    local target=$1 tag=$2 cache lib lend=()
    shift 2
    for lib in curl mhd; do
        cache=$(arm64_cache_dir)/$lib-minimal-arm64
        [ -f "$cache/BUILDINFO" ] && { echo "lending $cache"; lend+=(-v "$cache:/opt/$lib-prebuilt:ro"); }
    done
    podman build --layers --platform linux/arm64 --build-arg BUILD_PLATFORM="$NATIVE_PLATFORM" \
        "${lend[@]}" "$@" -f "$srcdir/Dockerfile" --target "$target" -t "$tag" "$srcdir"
}

# keep_arm64_libs: copy the build stage's /opt/curl-minimal and
# /opt/mhd-minimal to the cache (the build stage is all cached layers by
# then).
keep_arm64_libs() {
    local dir cache c lib
    dir=$(arm64_cache_dir)
    build_arm64 build localhost/lcr-build-arm64:latest >/dev/null || return 1
    c=$(podman create --pull=never localhost/lcr-build-arm64:latest true) || return 1
    for lib in curl mhd; do
        cache=$dir/$lib-minimal-arm64
        rm -rf "$cache.new" && podman cp "$c:/opt/$lib-minimal" "$cache.new" &&
            rm -rf "$cache" && mv "$cache.new" "$cache" && echo "kept the arm64 minimal $lib in $cache"
    done
    podman rm -f "$c" >/dev/null
    podman rmi localhost/lcr-build-arm64:latest >/dev/null 2>&1
    return 0
}

t_build_minimal_arm64() {
    build_arm64 minimal "$MINIMAL_ARM64" || return 1
    keep_arm64_libs
}

# t_arm64_elf IMAGE: the image says arm64, and what it holds is aarch64
# code (e_machine 183; x86-64 is 62): an image of x86-64 programs labelled
# arm64 would also "run" here, natively.  The file system is exported to a
# file first: a reader that stops early leaves `podman export` blocked on
# its pipe.
t_arm64_elf() {
    local image=$1 arch c dir=$LCR_SCRATCH/elf-check f m rc=0
    arch=$(podman image inspect -f '{{.Architecture}}' "$image") || return 1
    echo "$image: architecture $arch"
    [ "$arch" = arm64 ] || rc=1
    c=$(podman create --pull=never "$image") || return 1
    rm -rf "$dir" "$dir.tar" && mkdir -p "$dir"
    podman export -o "$dir.tar" "$c" || rc=1
    podman rm -f "$c" >/dev/null
    tar -xf "$dir.tar" -C "$dir" || return 1
    for f in var/runtime/bootstrap usr/bin/lambda-emulator var/task/lambda_function.so \
             usr/lib/liblambda-runtime.so.1; do
        m=$(od -An -tu2 -j18 -N2 "$dir/$f" | tr -d ' ')
        echo "/$f: ELF machine ${m:-?}"
        [ "$m" = 183 ] || rc=1
    done
    # The minimal libcurl and libmicrohttpd are linked in, as on amd64
    # (a cross link once found Debian's shared ones first).
    for f in var/runtime/bootstrap usr/bin/lambda-emulator; do
        m=$(readelf -d "$dir/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
        echo "/$f: needs $m"
        case " $m" in *" libcurl"* | *" libmicrohttpd"* | *" libgnutls"*) rc=1 ;; esac
    done
    rm -rf "$dir" "$dir.tar"
    return $rc
}

# make_list LIST AMD64-IMAGE ARM64-IMAGE: one tag holding both.
make_list() {
    podman manifest rm "$1" >/dev/null 2>&1
    podman manifest create "$1" >/dev/null &&
        podman manifest add "$1" "containers-storage:$2" >/dev/null &&
        podman manifest add "$1" "containers-storage:$3" >/dev/null
}

# list_archs: the architectures a manifest list (JSON on stdin) names.
list_archs() { jq -r '.manifests[].platform.architecture' | sort | tr '\n' ' '; }

# t_manifest LIST AMD64-IMAGE ARM64-IMAGE: podman manifest inspect lists
# amd64 and arm64; deploy/push sends the list with both images to the local
# registry, which then serves the list and each image.
t_manifest() {
    local list=$1 archs tag=multiarch-$RANDOM pushed accept raw
    make_list "$@" || return 1
    archs=$(podman manifest inspect "$list" | list_archs) || return 1
    echo "podman manifest inspect $list: $archs"
    [ "$archs" = "amd64 arm64 " ] || return 1
    [ -n "$REG" ] || { echo "no local registry to push to"; return 1; }
    pushed=$("$srcdir/deploy/push" --image "$list" --repository-uri "$REG/lambda-c-runtime" \
        --tag "$tag" --tool podman --insecure) || return 1
    echo "deploy/push printed $pushed"
    accept='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json'
    raw=$(curl -sf -H "Accept: $accept" "http://$REG/v2/lambda-c-runtime/manifests/$tag") || return 1
    archs=$(printf '%s' "$raw" | list_archs)
    echo "the registry's $tag: $archs"
    [ "$archs" = "amd64 arm64 " ]
}

arm64_sizes() {
    local b s=""
    b=$(image_bytes "$MINIMAL_ARM64" 2>/dev/null) && s="minimal arm64 $(mb "$b") MB"
    b=$(image_bytes "$IMAGE_ARM64" 2>/dev/null) && s="$s, default arm64 $(mb "$b") MB"
    [ -n "$s" ] && SIZES="$SIZES; $s"
}

# The arm64 base image for the default target: an arm64 minbase next to
# the amd64 one, both under one manifest list the Dockerfile's FROM resolves
# per platform.
t_base_arm64() {
    "$here/base-rootfs" --arch arm64 localhost/debian-arm64:bookworm-slim || return 1
    make_list "$BASE_LIST" "$BASE" localhost/debian-arm64:bookworm-slim
}

run_arm64_full_checks() {
    check "arm64 base image: Debian 12 minbase for arm64 (mmdebstrap, cached), one list with the amd64 one" \
        t_base_arm64 || return
    if check "arm64: default image for linux/arm64 (cross build stage, apt-get under qemu)" \
        build_arm64 final "$IMAGE_ARM64" --build-arg BASE_IMAGE="$BASE_LIST"; then
        check "arm64: the default image's programs are aarch64" t_arm64_elf "$IMAGE_ARM64"
        check "arm64: podman manifest inspect of the default tag lists amd64 and arm64; deploy/push sends both" \
            t_manifest "$IMAGE_LIST" "$IMAGE" "$IMAGE_ARM64"
        check "arm64 under qemu, default image: article flow (docker run -p PORT:8080 + curl -> Hello, Chris)" \
            t_article_flow "$IMAGE_ARM64"
        check "arm64 under qemu, default image: --read-only --user 1051:1051, CMD echo.handler" \
            serve_and_expect a64-default-ro 'Chris' --read-only --read-only-tmpfs=false --tmpfs /tmp \
            --user 1051:1051 -- "$IMAGE_ARM64" echo.handler
    fi
}

run_arm64_checks() {
    local why mode=${LCR_IMAGE_ARM64:-minimal}
    case $mode in
        no) say "SKIP: arm64 image checks (LCR_IMAGE_ARM64=no)"; return 0 ;;
        minimal | full) ;;
        *) fail "LCR_IMAGE_ARM64=$mode: use minimal (the default), full or no"; return 1 ;;
    esac
    if why=$(arm64_unavailable); then
        say "SKIP: arm64 image checks: $why."
        say "      To run them: apt-get install qemu-user-static binfmt-support (scripts/deps);"
        say "      mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; update-binfmts --enable qemu-aarch64"
        return 0
    fi
    if check "arm64: minimal image for linux/arm64 (build stage on $NATIVE_PLATFORM cross-compiles)" \
        t_build_minimal_arm64; then
        check "arm64: the image says arm64, its programs and plugins are aarch64 (ELF machine 183), bootstrap and the emulator link the minimal libcurl and libmicrohttpd" \
            t_arm64_elf "$MINIMAL_ARM64"
        check "arm64: podman manifest inspect of one tag lists amd64 and arm64; deploy/push sends both to the registry" \
            t_manifest "$MINIMAL_LIST" "$MINIMAL" "$MINIMAL_ARM64"
        check "arm64 under qemu: article flow (${DOCKER[0]} run -p PORT:8080 + curl -> Hello, Chris; prompt stop)" \
            t_article_flow "$MINIMAL_ARM64"
        check "arm64 under qemu: CMD lambda_function.goodbye -> Goodbye, Chris" \
            serve_and_expect a64-goodbye 'Goodbye, Chris' -- "$MINIMAL_ARM64" lambda_function.goodbye
        check "arm64 under qemu: --read-only --tmpfs /tmp --user 1051:1051 still answers" \
            serve_and_expect a64-readonly 'Hello, Chris' --read-only --read-only-tmpfs=false --tmpfs /tmp \
            --user 1051:1051 -- "$MINIMAL_ARM64"
    fi
    [ "$mode" = full ] && run_arm64_full_checks
    arm64_sizes
}
