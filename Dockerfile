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
# gthread, one worker per core, 8 threads each: see docs/decisions/0006 (docker-compose.yml sets the same).
CMD ["gunicorn", "server.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "8"]
