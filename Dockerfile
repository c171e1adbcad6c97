# The `warren` image: one binary for every process of the fleet (workers, ingress, topology).
#
#   docker build -t warren:local .                        # compiles in the official Swift image
#   docker build --target prebuilt -t warren:local .      # takes a binary built on the host:
#     mkdir -p .build-docker && cp "$(scripts/release-build)/warren" .build-docker/
#
# The stages are ordered so that `--target prebuilt` never touches the Swift image, even with
# the classic builder (which, unlike BuildKit, builds every stage before the target).
# Base images are build arguments, so a machine without a registry can point them at its own.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- runtime-base: a slim Debian with the two C libraries `warren` links, and nothing else -----
FROM ${RUNTIME_IMAGE} AS runtime-base
# The binary carries the Swift runtime (--static-swift-stdlib); it needs only libc, libstdc++,
# libgcc_s (all in the base) plus rabbitmq-c, libpq and SQLite (an embedded store's, via GRDB).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librabbitmq4 libpq5 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 warren \
 && useradd --uid 10001 --gid warren --no-create-home --no-log-init --home-dir /app --shell /usr/sbin/nologin warren \
 && mkdir -p /var/lib/warren && chown 10001:10001 /var/lib/warren
# An embedded store's file lives here (storagemanage: WARREN_SQLITE_PATH); a volume mounted on
# it starts with this owner, so the non-root worker can write it.
WORKDIR /app
# Workers check their handlers against the topology at start (TOPOLOGY_DIR, default `topology`,
# relative to /app); `warren topology ...` reads it too.
COPY topology /app/topology
# `warren-healthcheck [PATH]`: GET http://127.0.0.1:$HEALTH_PORT/readyz with bash alone (no curl
# in the image); compose's healthchecks call it.
COPY deploy/docker/warren-healthcheck /usr/local/bin/warren-healthcheck
ENV TOPOLOGY_DIR=/app/topology \
    HEALTH_PORT=8080
EXPOSE 8080
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
ENTRYPOINT ["warren"]
CMD ["--help"]

# --- prebuilt: the runtime with a binary taken from the build context --------------------------
FROM runtime-base AS prebuilt
ARG WARREN_BINARY=.build-docker/warren
# Copied with its mode: the binary must be executable in the context (swift build makes it so).
COPY ${WARREN_BINARY} /usr/local/bin/warren

# --- build: compiles `warren` in release mode with the Swift runtime linked in ------------------
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librabbitmq-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer is reused until Package.swift changes.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY bench/Sources ./bench/Sources
COPY scripts/release-build ./scripts/release-build
RUN bin="$(WARREN_SCRATCH=.build scripts/release-build warren)" \
 && install -m 0755 "$bin/warren" /usr/local/bin/warren

# --- runtime (default): the runtime with the binary compiled above ------------------------------
FROM runtime-base AS runtime
COPY --from=build /usr/local/bin/warren /usr/local/bin/warren
