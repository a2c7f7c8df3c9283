# syntax=docker/dockerfile:1
# Chokepoint: build the TypeScript, then ship production dependencies, dist/, migrations/, rules/ and openapi/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# The party-list start cache (see README, Start and idle memory) goes where the runtime user may write:
# rules/ belongs to root, so without this every start would parse the lists and build the index again.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LIST_CACHE_DIR=/app/.chokepoint/list-cache
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY rules ./rules
COPY openapi ./openapi
# Embedded storage (when DATABASE_URL is unset) lives in /app/.chokepoint, owned by the runtime user.
RUN mkdir -p /app/.chokepoint && chown node:node /app/.chokepoint
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/server.js"]
