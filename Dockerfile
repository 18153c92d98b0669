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
# The Python SDK: the generate API and the GPU worker report generation_* events through it.
RUN pip install --no-cache-dir --no-deps ./sdk/python
# `--build-arg EXTRAS=gpu` (docker-compose's gpu-worker) adds torch and diffusers; on Linux x86 PyPI's torch
# wheel is the CUDA build. The web image leaves it out: the web process never imports torch.
ARG EXTRAS=""
RUN if [ -n "$EXTRAS" ]; then pip install --no-cache-dir -e ".[$EXTRAS]"; fi
EXPOSE 8000
# granian's WSGI server (HTTP in Rust), one worker per core, 8 threads each: docs/decisions/0007
# (docker-compose.yml sets the same). gunicorn is installed too: docs/configuration.md shows its command line.
CMD ["granian", "--interface", "wsgi", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--blocking-threads", "8", "--no-ws", "--respawn-failed-workers", "server.wsgi:application"]
