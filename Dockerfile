# Production image: gunicorn web, Celery worker and beat all run from this one image.
# The phone app is built first in a Node stage (Vite needs Node 20.19+; bookworm's nodejs is 18).
FROM node:20-bookworm-slim AS phone
WORKDIR /phone
COPY phone/package.json phone/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY phone/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm gettext && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
COPY --from=phone /phone/dist phone/dist
RUN bash scripts/vendor-assets.sh \
 && DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=* DATABASE_URL=sqlite:////tmp/build.db \
    CELERY_BROKER_URL=memory:// REDIS_URL=redis://localhost:6379/0 \
    DJANGO_SETTINGS_MODULE=backend.settings.production uv run --no-dev python manage.py collectstatic --noinput
ENV PATH="/app/.venv/bin:$PATH" DJANGO_SETTINGS_MODULE=backend.settings.production
EXPOSE 8000
CMD ["gunicorn", "backend.wsgi:application", "--preload", "--bind", "0.0.0.0:8000", "--workers", "4"]
