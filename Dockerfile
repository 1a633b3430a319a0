# One image for every service and tool of the project; docker-compose picks the entry point per container.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schemas ./schemas
COPY shared ./shared
COPY services ./services
COPY tools ./tools
USER node
EXPOSE 9464
CMD ["npx", "tsx", "services/exposure/src/main.ts"]
