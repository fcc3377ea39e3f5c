# protogate's container image: built in a Debian 12 stage with the
# project's own scripts, run from debian:12-slim as a non-root user.
#
#   docker build -t protogate .
#   docker run --rm --stop-timeout 30 -p 8080:8080 protogate   # packaged config
#   docker run --rm --stop-timeout 30 -p 8080:8080 \
#     -v $PWD/gw:/etc/protogate:ro protogate
#
# SIGTERM drains (server.drain_grace, 20s in the packaged config), so give
# `docker stop` more than its default 10s.
#
# The runtime stage holds what tools/package.sh lays out (tests/operate
# starts the gateway from that same layout as an unprivileged user): the
# binary, /etc/protogate (config and descriptor set; mount your own over
# it), and the Debian packages of the shared libraries the binary links,
# installed from apt by the list the script writes.

FROM debian:12 AS build
WORKDIR /src
COPY tools/install-deps.sh tools/
RUN bash tools/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPROTOGATE_BUILD_TESTS=OFF \
 && cmake --build build --target protogate protogate_demo_descriptors \
 && bash tools/package.sh build /out/root /out/protogate.tar.gz

FROM debian:12-slim
COPY --from=build /out/root/usr/share/protogate/runtime-packages.txt /tmp/
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 65532 protogate \
 && useradd --system --uid 65532 --gid 65532 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin protogate
COPY --from=build /out/root/ /
USER 65532:65532
EXPOSE 8080 9901
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/protogate"]
CMD ["--config", "/etc/protogate/protogate.yaml"]
