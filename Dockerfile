# Dockerfile -- the lambda-c-runtime image: one image that serves any C
# handler plugin, locally (docker run -p 9000:8080 IMAGE) and unchanged on
# AWS Lambda.
#
#   docker build -t lambda-c-runtime .
#   docker build --target sdk -t lambda-c-runtime:sdk .   # compiler + headers,
#                                                          # for building plugins
#
# Stages:
#   build  -- Debian's toolchain and -dev packages; the project's own
#             autoreconf/configure/make, installed into /stage.
#   sdk    -- build + the installed runtime in /usr, so plugins build against
#             it with `pkg-config lambda-runtime` (see examples/).
#   final  -- the base image + the runtime libraries + /stage; no compiler.
#
# BASE_IMAGE: any Debian 12 (bookworm) image; tested with a minbase root
# file system imported as debian:bookworm-slim (tests/image/base-rootfs).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential autoconf automake libtool pkg-config \
      libcurl4-openssl-dev libjson-c-dev libinih-dev libmicrohttpd-dev \
      uuid-dev zlib1g-dev libssl-dev libyaml-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
 && ./configure --prefix=/usr --sysconfdir=/etc \
      --with-task-root=/var/task --with-runtime-dir=/var/runtime \
 && make -j"$(nproc)" \
 && make install-strip DESTDIR=/stage \
 && find /stage -name '*.la' -delete \
 && install -D -m 0755 docker/lambda-entrypoint.sh /stage/lambda-entrypoint.sh

FROM build AS sdk
RUN cp -a /stage/usr/. /usr/ && ldconfig

FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcurl4 libjson-c5 libinih1 libmicrohttpd12 libuuid1 zlib1g libssl3 libyaml-0-2 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
COPY --from=build /stage/ /
RUN ldconfig
ENV LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]
CMD ["lambda_function.handler"]
