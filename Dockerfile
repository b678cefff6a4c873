# kubefed-ts controller-manager image: built with the full toolchain, shipped with production
# dependencies only, running as a non-root user on a read-only-friendly layout.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY hack/bundle.ts ./hack/
COPY hack/lib/bundle.ts ./hack/lib/
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, less what Node never loads: it runs .js, .mjs, .cjs, .json and .node files,
# so type declarations, source maps, TypeScript sources and docs (licenses stay) are dead weight; they were
# half of node_modules (mostly @kubernetes/client-node's declarations). Same layer, or they would still ship.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force \
 && rm -rf /root/.npm \
 && find node_modules -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' \
      -o \( -name '*.md' -not -iname 'license*' \) \) -delete
COPY --from=build /src/dist ./dist
COPY crds ./crds
USER 65532:65532
# V8 flags: src/manager/node-flags.ts says which and why (the same in the package bin's shebang).
ENTRYPOINT ["node", "--max-semi-space-size=2", "--heap-growing-percent=50", "--expose-gc", "dist/main.js"]
