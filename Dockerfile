# Minimal image of the API. Configure with INVENTORY_* variables (see README); for PostgreSQL set
# INVENTORY_DATABASE_URL and INVENTORY_SECRET_KEY (shared by every replica).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 INVENTORY_HOST=0.0.0.0
WORKDIR /srv/inventory

COPY requirements.lock pyproject.toml README.md alembic.ini ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
RUN pip install --no-cache-dir --no-deps -e . \
    && useradd --system --home-dir /srv/inventory inventory \
    && mkdir -p var && chown inventory var
USER inventory

EXPOSE 8000
CMD ["inventory", "serve"]
