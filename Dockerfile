# One image, three roles: GATEWAY_ROLE=api|worker|all. Node: the current LTS, the major `engines` and CI use
# (src/bootstrap/deploy-files.spec.ts checks that the three agree).
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:26-bookworm-slim
# Every interface of the container (a gateway without GATEWAY_CONFIG, the sandbox, would take loopback only).
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
# The IMCO simulator's certificates (docker-compose's `sim-data` volume takes this folder's owner).
RUN mkdir -p /sim-data && chown node:node /sim-data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
