# release-bot container image. Multi-stage: build with dev dependencies, run with production ones only.
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
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
COPY migrations ./migrations
# tsc, then the libraries bundled from src/vendor (a third of their memory unbundled).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="release-bot" \
      org.opencontainers.image.description="Release coordination for Slack: freezes, sign-offs, a freeze gate for CI/CD and hybrid developer environments on the service mesh" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.source="https://github.com/example/release-bot"
WORKDIR /app
ENV NODE_ENV=production \
    DATABASE_PATH=/data/release-bot.sqlite \
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
# The database lives on a volume; everything else is read-only at run time (readOnlyRootFilesystem).
RUN mkdir -p /data && chown 10001:10001 /data
VOLUME /data
USER 10001:10001
EXPOSE 3000
# node is PID 1 and handles SIGTERM itself: a graceful shutdown within SHUTDOWN_GRACE.
ENTRYPOINT ["node", "dist/main.js"]
