# syntax=docker/dockerfile:1
# Build: docker build -t milestone-bot .
# Run:   docker run --env-file .env -p 3000:3000 milestone-bot
# The default SQLite file is written to /app; mount a volume there or set DATABASE_URL to PostgreSQL.
# Reproducible: the base image is pinned by digest (the tag says which it is) and the
# dependencies are the locked versions of requirements/runtime.txt, hashes checked. To refresh
# both, see docs/production.md (Reproducible installs).

FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b AS python

FROM python AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The dependencies first, in a layer of their own: rebuilt only when the lock changes.
COPY requirements/runtime.txt ./requirements/
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-deps /wheels/*.whl

FROM python
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    PORT=3000 \
    MPLCONFIGDIR=/opt/matplotlib
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
    && mkdir /app \
    && chown app:app /app
COPY --from=build /opt/venv /opt/venv
# matplotlib's font cache, built here once rather than at the first chart of every container;
# its directory must stay writable by the app, or matplotlib builds another in /tmp.
RUN python -c "import matplotlib.font_manager" \
    && chown -R app:app /opt/matplotlib
WORKDIR /app
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
CMD ["milestone-bot", "serve"]
