# The sample app as one Shoal replica. Build context: the repository root.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/cluster/package.json libs/cluster/
COPY libs/leader/package.json libs/leader/
COPY libs/testing/package.json libs/testing/
COPY apps/sample/package.json apps/sample/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json tsconfig.json ./
COPY libs libs
COPY apps apps
RUN npx tsc -b apps/sample/tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/libs/cluster/package.json libs/cluster/package.json
COPY --from=build /app/libs/cluster/dist libs/cluster/dist
COPY --from=build /app/libs/leader/package.json libs/leader/package.json
COPY --from=build /app/libs/leader/dist libs/leader/dist
COPY --from=build /app/apps/sample/package.json apps/sample/package.json
COPY --from=build /app/apps/sample/dist apps/sample/dist
USER node
EXPOSE 3000
# SIGTERM goes straight to node (no npm wrapper), so Shoal's graceful leave runs.
CMD ["node", "apps/sample/dist/main.js"]
