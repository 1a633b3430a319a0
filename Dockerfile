# One image for every service and tool of the project; docker-compose picks the entry point per container
# (`node dist/services/<name>/src/main.js`, `node dist/tools/simulator/main.js`).

# Build stage: the dev dependencies (TypeScript) compile the sources to dist/, run-time files copied alongside.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY shared ./shared
COPY services ./services
COPY tools ./tools
RUN npm run build

# Run-time stage: production dependencies and the build only, no compiler, no sources.
FROM node:22-bookworm-slim
# tini as PID 1 forwards SIGTERM to node and reaps zombies, so `docker stop` is a graceful stop.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
# /metrics and /healthz for whatever scrapes the container over its network (outside a container: loopback).
ENV HTTP_HOST=0.0.0.0
EXPOSE 9464
# The services' Node flags (shared/node-flags.ts says why).
ENV NODE_OPTIONS=--max-semi-space-size=64
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/services/exposure/src/main.js"]
