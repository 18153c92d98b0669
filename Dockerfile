# The production image: web, worker and beat all run it (docker-compose.yml).
# Stage 1 builds the beacon and the consent banner with the npm toolchain; nothing of node ships.
FROM node:20-slim AS frontend
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY requirements/prod.lock requirements/prod.lock
RUN pip install --no-cache-dir -r requirements/prod.lock
COPY . .
COPY --from=frontend /app/frontend/dist frontend/dist
RUN pip install --no-cache-dir --no-deps -e .
EXPOSE 8000
CMD ["gunicorn", "server.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
