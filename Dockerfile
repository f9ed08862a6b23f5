# The sample app as one Shoal replica. Build context: the repository root.
#   docker build -t shoal-sample .
# NODE_IMAGE lets a machine without a registry build on a local stand-in (scripts/compose-test.sh does).
ARG NODE_IMAGE=node:20-bookworm-slim

# Only the package manifests, so `npm ci` is cached until a dependency changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY libs libs
COPY apps apps
RUN find libs apps -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=manifests /app/libs libs
COPY --from=manifests /app/apps apps
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.base.json tsconfig.build.json ./
COPY libs libs
COPY apps apps
# The sample and every lib it references; then the production dependencies only, and each workspace's
# package.json, dist and static files gathered under /out (workspaces are symlinked from node_modules/@shoal).
RUN npx tsc -b apps/sample/tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund --ignore-scripts \
 && mkdir -p /out \
 && cp -r package.json node_modules /out/ \
 && for dir in libs/* apps/*; do \
      mkdir -p "/out/$dir" && cp "$dir/package.json" "/out/$dir/"; \
      for part in dist public node_modules; do \
        if [ -e "$dir/$part" ]; then cp -r "$dir/$part" "/out/$dir/"; fi; \
      done; \
    done

FROM ${NODE_IMAGE}
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /out ./
USER node
EXPOSE 3000
# Exec form: node is PID 1 and gets SIGTERM itself (no shell, no npm), so Shoal's graceful leave runs.
STOPSIGNAL SIGTERM
CMD ["node", "apps/sample/dist/main.js"]
