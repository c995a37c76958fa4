# One image for every Emporium process: web (the default command), worker and migrate.
# See docker-compose.yml and docs/operations.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. --no-dev leaves out the test tools
# and the embedded PostgreSQL/Redis (docs/adr/0007-embedded-servers-are-a-development-tool.md):
# every container started from this image needs DATABASE_URL and REDIS_URL.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-cache

COPY piccolo_conf.py ./
COPY app ./app
# The API v2 guide is served from its document (app/web/api_guide.py: /docs/api/migration-v1-to-v2).
COPY docs/api/v2.md ./docs/api/v2.md

# /app/.data: `python -m app.cli migrate` creates DATA_DIR even when it starts no server.
# /tmp/metrics: PROMETHEUS_MULTIPROC_DIR in docker-compose.yml (a volume mounted over it there).
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin emporium \
    && mkdir -p /app/.data /tmp/metrics \
    && chown emporium:emporium /app/.data /tmp/metrics
USER emporium

ENV APP_ENV=production \
    DATA_DIR=/app/.data

EXPOSE 8000
CMD ["python", "-m", "uvicorn", "--factory", "app.main:create_app", \
     "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-access-log",
     "--no-proxy-headers", "--no-server-header"]
