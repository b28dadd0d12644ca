# Parley server image. Configure it with PARLEY_* variables (see README.md); without
# PARLEY_DATABASE_URL it keeps a SQLite file and its generated secret key in /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# libmagic: attachments' types are read from their bytes (server/attachments/files.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, in their own layer, so a code change does not reinstall them: install
# the project from its pyproject.toml alone, then drop the placeholder package itself.
COPY pyproject.toml README.md ./
RUN mkdir server && touch server/__init__.py \
    && pip install . \
    && pip uninstall -y parley \
    && rm -rf server build *.egg-info

# The code. Installed editable so the server finds migrations/ and widget/ beside it, as in a
# checkout (they are not package data).
COPY . .
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /data --create-home parley

USER parley
WORKDIR /data
ENV PARLEY_HOST=0.0.0.0 \
    PARLEY_PORT=8000 \
    PARLEY_DATA_DIR=/data/.parley
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PARLEY_PORT', '8000'), timeout=4)"

# `parley serve` applies pending migrations before it starts listening.
CMD ["parley", "serve", "--host", "0.0.0.0"]
