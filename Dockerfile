# Production image of the API: runtime dependencies only, non-root, with a health check.
# Base pinned by digest (the tag alone can change under us); see README "Container" for how to
# check and update it. Configure with INVENTORY_* variables; INVENTORY_MODE=production means
# `serve` neither migrates, seeds nor mints keys: run `inventory migrate` as a one-off first.

# --- build: a virtual environment with the locked runtime dependencies -----------------------
FROM python:3.11.10-slim-bookworm@sha256:5148c0e4bbb64271bca1d3322360ebf4bfb7564507ae32dd639322e4952a6b16 AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements-runtime.lock /tmp/requirements-runtime.lock
RUN /opt/venv/bin/pip install --require-hashes --only-binary=:all: -r /tmp/requirements-runtime.lock

# --- runtime ------------------------------------------------------------------------------------
FROM python:3.11.10-slim-bookworm@sha256:5148c0e4bbb64271bca1d3322360ebf4bfb7564507ae32dd639322e4952a6b16 AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/srv/inventory \
    PATH=/opt/venv/bin:$PATH \
    INVENTORY_MODE=production \
    INVENTORY_HOST=0.0.0.0 \
    INVENTORY_PORT=8000 \
    INVENTORY_WORKERS=2 \
    INVENTORY_VAR_DIR=/var/lib/inventory \
    INVENTORY_DOCS_ASSETS_DIR=/opt/docs-assets

RUN groupadd --system --gid 10001 inventory \
    && useradd --system --uid 10001 --gid inventory --home-dir /srv/inventory --shell /usr/sbin/nologin inventory \
    && mkdir -p /var/lib/inventory \
    && chown inventory:inventory /var/lib/inventory

COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/inventory
COPY alembic.ini ./
COPY migrations ./migrations
COPY seed ./seed
COPY app ./app
# The Swagger UI and ReDoc files /docs and /redoc serve: downloaded from npm, each checked against its
# pinned SHA-256 (app/docs/pins/SHA256SUMS), into /opt/docs-assets; the running container loads nothing
# from another host.
RUN python -m app.cli install-docs-assets

USER 10001:10001
EXPOSE 8000
VOLUME ["/var/lib/inventory"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "app.cli", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "app.cli"]
CMD ["serve"]
