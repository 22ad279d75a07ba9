# Dockerfile -- the lambda-c-runtime image: one image that serves any C
# handler plugin, locally (docker run -p 9000:8080 IMAGE) and unchanged on
# AWS Lambda.
#
#   docker build -t lambda-c-runtime .
#   docker build --target minimal -t lambda-c-runtime:minimal .   # no shell,
#                                                  # no package manager
#   docker build --target sdk -t lambda-c-runtime:sdk .   # compiler + headers,
#                                                          # for building plugins
#
#   docker build --platform linux/arm64 -t lambda-c-runtime:arm64 .  # Graviton
#   docker buildx build --platform linux/amd64,linux/arm64 -t TAG --push .
#   podman build --platform linux/amd64,linux/arm64 --build-arg BUILD_PLATFORM=linux/amd64 \
#       --manifest TAG .       # one tag, a manifest list of both (docs/arm64.md)
#
# Stages:
#   build   -- runs on the build machine's platform and cross-compiles for
#              the target's (TARGETARCH) when they differ: Debian's cross gcc
#              and multiarch -dev:ARCH packages (scripts/deps --build --arch),
#              configure --host.  The minimal libcurl and libmicrohttpd
#              (scripts/build-curl, scripts/build-mhd: HTTP only, static,
#              from Debian's source packages); the
#              project's own autoreconf/configure/make, installed into /stage;
#              the minimal root file system in /minimal (docker/minimal-root).
#   sdk     -- on the target platform: the toolchain and -dev packages + the
#              installed runtime in /usr, so plugins build against it with
#              `pkg-config lambda-runtime` (see examples/).  For linux/arm64
#              on an x86_64 machine its apt-get runs under emulation (qemu).
#   minimal -- FROM scratch: the runtime and the libraries it loads, nothing
#              else.
#   final   -- the base image + the runtime's few libraries + /stage; no
#              compiler.  The default target.
#
# BASE_IMAGE: any Debian 12 (bookworm) image, for each target platform (the
# official debian:bookworm-slim is a manifest list of all of them); tested
# with minbase root file systems imported as debian:bookworm-slim
# (tests/image/base-rootfs).
ARG BASE_IMAGE=debian:bookworm-slim
# The platform the build stage runs on: the build machine's (docker buildx
# and podman >= 4.4 fill BUILDPLATFORM).  podman 4.3 leaves it empty, which
# would run the build stage on the target platform under emulation (correct,
# but configure alone takes 25 min under qemu): pass
# --build-arg BUILD_PLATFORM=linux/amd64 there.
ARG BUILD_PLATFORM=$BUILDPLATFORM

FROM --platform=${BUILD_PLATFORM} ${BASE_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The packages and the minimal libraries first: these layers stay cached
# while the sources change.  scripts/deps adds the deb-src entry build-curl
# and build-mhd need.
# The first two layers are the sdk stage's too (shared when both run on the
# same platform).
# A prefix build-curl filled on a Debian 12 host may be lent with
# `podman build -v PREFIX:/opt/curl-prebuilt:ro`: build-curl copies it when
# its BUILDINFO (curl version, options, compiler, libc) matches, else builds;
# build-mhd likewise with `-v PREFIX:/opt/mhd-prebuilt:ro`.
COPY scripts/deps scripts/build-curl scripts/build-mhd scripts/debsrc.sh scripts/
RUN scripts/deps --build
COPY scripts/curl-patches scripts/curl-patches/
# The target: TARGETARCH (docker and podman set it from --platform), else
# this stage's own architecture.  /etc/lcr-host holds its GNU triplet when
# the build cross-compiles, nothing otherwise.
ARG TARGETARCH
RUN arch=${TARGETARCH:-$(dpkg --print-architecture)} \
 && if [ "$arch" = "$(dpkg --print-architecture)" ]; then : >/etc/lcr-host; \
    else dpkg-architecture -a "$arch" -q DEB_HOST_GNU_TYPE >/etc/lcr-host; fi \
 && host=$(cat /etc/lcr-host) \
 && scripts/deps --build --arch "$arch" \
 && CURL_REUSE=/opt/curl-prebuilt scripts/build-curl ${host:+--host "$host"} /opt/curl-minimal \
 && MHD_REUSE=/opt/mhd-prebuilt scripts/build-mhd ${host:+--host "$host"} /opt/mhd-minimal \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# Cross-compiling, pkg-config reads the target's .pc files and must treat
# the target's multiarch directory as a system one: else its
# -L/usr/lib/TRIPLET comes first on the link line, and -lcurl and
# -lmicrohttpd find Debian's shared libraries there instead of the minimal
# archives.
RUN host=$(cat /etc/lcr-host) \
 && if [ -n "$host" ]; then \
      export PKG_CONFIG_LIBDIR=/usr/lib/$host/pkgconfig:/usr/share/pkgconfig \
             PKG_CONFIG_SYSTEM_LIBRARY_PATH=/usr/lib/$host:/lib/$host; fi \
 && autoreconf -fi \
 && ./configure ${host:+--host="$host"} --prefix=/usr --sysconfdir=/etc \
      --with-task-root=/var/task --with-runtime-dir=/var/runtime \
      --with-curl=/opt/curl-minimal --with-microhttpd=/opt/mhd-minimal \
 && make -j"$(nproc)" \
 && make install-strip DESTDIR=/stage \
 && find /stage -name '*.la' -delete \
 && ln -s /var/runtime/lambda-entrypoint /stage/lambda-entrypoint.sh \
 && docker/minimal-root /stage /minimal ${host:-}

FROM --platform=${TARGETPLATFORM} ${BASE_IMAGE} AS sdk
ARG DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY scripts/deps scripts/build-curl scripts/build-mhd scripts/debsrc.sh scripts/
RUN scripts/deps --build
COPY --from=build /stage/ /
RUN ldconfig

FROM scratch AS minimal
COPY --from=build /minimal/ /
ENV LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]
CMD ["lambda_function.handler"]

FROM --platform=${TARGETPLATFORM} ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
# bootstrap and lambda-extension link libcurl statically, the emulator its
# libmicrohttpd, json-c, libyaml, libuuid, inih and zlib: the one library the
# runtime adds is json-c (bootstrap shares it with the plugins).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libjson-c5 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
      /var/cache/debconf/*-old /var/lib/dpkg/*-old
COPY --from=build /stage/ /
RUN ldconfig
ENV LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]
CMD ["lambda_function.handler"]
