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
# Stages:
#   build   -- Debian's toolchain and -dev packages, the minimal libcurl
#              (scripts/build-curl: HTTP only, static, from Debian's curl
#              source package); the project's own autoreconf/configure/make,
#              installed into /stage; the minimal root file system in
#              /minimal (docker/minimal-root).
#   sdk     -- build + the installed runtime in /usr, so plugins build against
#              it with `pkg-config lambda-runtime` (see examples/).
#   minimal -- FROM scratch: the runtime and the libraries it loads, nothing
#              else.
#   final   -- the base image + the runtime's few libraries + /stage; no
#              compiler.  The default target.
#
# BASE_IMAGE: any Debian 12 (bookworm) image; tested with a minbase root
# file system imported as debian:bookworm-slim (tests/image/base-rootfs).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The packages and the minimal libcurl first: these layers stay cached while
# the sources change.  scripts/deps adds the deb-src entry build-curl needs.
# A prefix build-curl filled on a Debian 12 host may be lent with
# `podman build -v PREFIX:/opt/curl-prebuilt:ro`: build-curl copies it when
# its BUILDINFO (curl version, options, compiler, libc) matches, else builds.
COPY scripts/deps scripts/build-curl scripts/
RUN scripts/deps --build \
 && CURL_REUSE=/opt/curl-prebuilt scripts/build-curl /opt/curl-minimal \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN autoreconf -fi \
 && ./configure --prefix=/usr --sysconfdir=/etc \
      --with-task-root=/var/task --with-runtime-dir=/var/runtime \
      --with-curl=/opt/curl-minimal \
 && make -j"$(nproc)" \
 && make install-strip DESTDIR=/stage \
 && find /stage -name '*.la' -delete \
 && ln -s /var/runtime/lambda-entrypoint /stage/lambda-entrypoint.sh \
 && docker/minimal-root /stage /minimal

FROM build AS sdk
RUN cp -a /stage/usr/. /usr/ && ldconfig

FROM scratch AS minimal
COPY --from=build /minimal/ /
ENV LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]
CMD ["lambda_function.handler"]

FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
# bootstrap links its libcurl statically: the only libraries the runtime
# adds are json-c, inih and libmicrohttpd (whose GnuTLS apt already needs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libjson-c5 libinih1 libmicrohttpd12 libuuid1 zlib1g libyaml-0-2 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
      /var/cache/debconf/*-old /var/lib/dpkg/*-old
COPY --from=build /stage/ /
RUN ldconfig
ENV LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]
CMD ["lambda_function.handler"]
