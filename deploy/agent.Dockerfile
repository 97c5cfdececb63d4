# KeepWatch volunteer agent image: compiled JavaScript only, no native module, multi-arch.
#   docker buildx build -f deploy/agent.Dockerfile --platform linux/amd64,linux/arm64,linux/arm/v7 -t keepwatch-agent .
#   docker run -d --restart unless-stopped -v keepwatch:/state keepwatch-agent          # after enrolling:
#   docker run --rm -v keepwatch:/state keepwatch-agent enroll kwi_… --server https://…
#
# The build stage runs once, on the builder's own architecture: TypeScript compiles to architecture-neutral
# JavaScript. `--ignore-scripts` skips better-sqlite3's native build (python, make, g++, and for arm a long
# emulated compile): the agent never loads it (tests/cli/compiled.test.ts proves the agent imports neither
# better-sqlite3 nor BullMQ nor ioredis), and no other runtime dependency has an install script. The pruned
# node_modules is therefore plain JavaScript and is copied into every architecture's image unchanged.
FROM --platform=$BUILDPLATFORM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY probes ./probes
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 # Server-only packages the agent never imports (the IP-to-ASN data is 80 MB): left out to keep the image small.
 && rm -rf node_modules/better-sqlite3 node_modules/bullmq node_modules/ioredis node_modules/nodemailer node_modules/chart.js \
    node_modules/@ip-location-db

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY whitelist ./whitelist
# Enrollment (token, mode 0600), cached assignment and spool live here; mount a volume to keep them.
ENV STATE_DIRECTORY=/state
RUN mkdir -p /state && chown node:node /state
VOLUME /state
USER node
# The launcher itself, not `node bin/keepwatch.js`: it starts the agent with a 1 MiB young generation, gc() after
# each round and two malloc arenas (README "Where the agent's memory goes", bench/agent.ts).
ENTRYPOINT ["/app/bin/keepwatch.js", "agent"]
