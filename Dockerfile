# release-bot container image. Multi-stage: build with dev dependencies; run from nothing but what Node
# needs (its binary, glibc, libstdc++, CA certificates, a passwd entry for user 10001) plus dist/ and the
# few packages dist/ loads by name: the distroless approach, made from the Node base's own Debian files.
# The Node 20 base is a build argument, so a registry mirror or a locally made base can stand in for it
# (npm run image:check builds one from Debian bookworm and Node 20 without any registry).
ARG NODE_IMAGE=docker.io/library/node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 is compiled from source where its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/runtime-modules.mjs ./scripts/
COPY src ./src
COPY migrations ./migrations
# tsc, then the libraries bundled from src/vendor (a third of their memory unbundled); then only the
# packages dist/ imports by name (a test keeps that list complete) go to /runtime.
RUN npm run build && node scripts/runtime-modules.mjs /runtime

# The run-time root: Node and exactly the shared libraries it (and better-sqlite3's addon) links, as ldd
# lists them, with their loader cache; CA certificates; user 10001; /tmp and /data.
FROM ${NODE_IMAGE} AS rootfs
COPY --from=build /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node /tmp/addon.node
RUN set -eu; mkdir -p /rootfs/usr/local/bin /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/data /rootfs/app; \
    cp /usr/local/bin/node /rootfs/usr/local/bin/node; \
    for lib in $(ldd /usr/local/bin/node /tmp/addon.node | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do \
      cp --parents -L "$lib" /rootfs; \
    done; \
    cp /etc/ld.so.cache /rootfs/etc/ld.so.cache; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nrelease-bot:x:10001:10001::/app:/sbin/nologin\n' > /rootfs/etc/passwd; \
    printf 'root:x:0:\nrelease-bot:x:10001:\n' > /rootfs/etc/group; \
    chmod 1777 /rootfs/tmp; chown 10001:10001 /rootfs/data

FROM scratch
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="release-bot" \
      org.opencontainers.image.description="Release coordination for Slack: freezes, sign-offs, a freeze gate for CI/CD and hybrid developer environments on the service mesh" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.source="https://github.com/example/release-bot"
COPY --from=rootfs /rootfs/ /
WORKDIR /app
ENV NODE_ENV=production \
    PATH=/usr/local/bin \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    DATABASE_PATH=/data/release-bot.sqlite \
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=build /app/package.json ./package.json
COPY --from=build /runtime/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
# The database lives on a volume; everything else is read-only at run time (readOnlyRootFilesystem).
VOLUME /data
USER 10001:10001
EXPOSE 3000
# node is PID 1 and handles SIGTERM itself: a graceful shutdown within SHUTDOWN_GRACE.
ENTRYPOINT ["node", "dist/main.js"]
