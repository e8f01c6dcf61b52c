# syntax=docker/dockerfile:1
# Build: the official Swift image compiles a release binary with the Swift
# standard library linked statically (the same `swift build -c release` the
# benchmark and replica scripts run here).
FROM swift:6.3-bookworm AS build
# Debian's packages are not pinned (DL3008): bookworm's security updates
# replace a pinned version, and an old pin then fails the build.
# hadolint ignore=DL3008
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib \
    && mkdir -p /out \
    && cp .build/release/recsys-serve .build/release/recsys-train /out/

# Runtime: a slim Debian with zlib, a non-root user, the demo model baked in.
FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends zlib1g ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 recsys \
    && useradd --system --uid 10001 --gid 10001 --home /app recsys
WORKDIR /app
COPY --from=build /out/recsys-serve /out/recsys-train /usr/local/bin/
COPY models/model.rrm /app/models/model.rrm
COPY data/sample /app/data/sample
RUN mkdir -p /models && chown 10001:10001 /models
# Numeric, so the runtime (and EFS access points, volume chowns) need no passwd lookup.
USER 10001:10001
# Override the model with a mounted volume: -v models:/models -e RECSYS_MODEL=/models/model.rrm
ENV RECSYS_MODEL=/app/models/model.rrm \
    RECSYS_HOST=0.0.0.0 \
    RECSYS_PORT=8080 \
    RECSYS_LOG_LEVEL=info \
    RECSYS_DRAIN_SECONDS=5
EXPOSE 8080
# Liveness (/health); load balancers route on readiness (/ready, 503 while
# starting or draining). The start period covers a large model's load (8 s
# at 10x RetailRocket).
HEALTHCHECK --interval=10s --timeout=2s --start-period=30s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null http://127.0.0.1:${RECSYS_PORT}/health || exit 1"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/recsys-serve"]
