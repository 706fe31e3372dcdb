# syntax=docker/dockerfile:1
#
# One image for every newswire service: `docker run newswire:latest run poller`, `... run sink`,
# `... topics create`, `... kibana import`, etc. (ENTRYPOINT is the `newswire` command).
#
# Two stages: `build` installs the project into a virtualenv at /opt/venv, `runtime` copies only that
# virtualenv, so the final image carries no pip cache and no build leftovers.
# Layers go from least to most often changed: the dependencies (pinned by constraints.txt) are
# installed from pyproject.toml alone, before any source is copied, so editing code rebuilds only
# the last, small layers.
#
#   docker build -t newswire:latest .

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# 1. Dependencies only: read from pyproject.toml, pinned by constraints.txt.
COPY pyproject.toml constraints.txt README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt

# 2. The project itself (dependencies are already satisfied, so this is quick).
COPY shared/ shared/
COPY services/ services/
RUN pip install -c constraints.txt . \
 && newswire --help > /dev/null

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="newswire" \
      org.opencontainers.image.description="Event-driven news ingestion: feeds to clean, enriched, searchable articles." \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSWIRE_DATA_DIR=/var/lib/newswire \
    NEWSWIRE_LOG_FORMAT=json

# A fixed, non-root uid/gid, so that volume ownership is predictable across rebuilds.
RUN groupadd --system --gid 10001 newswire \
 && useradd --system --uid 10001 --gid newswire --home-dir /var/lib/newswire --no-create-home \
        --shell /usr/sbin/nologin newswire \
 && mkdir -p /var/lib/newswire \
 && chown newswire:newswire /var/lib/newswire

COPY --from=build /opt/venv /opt/venv

# Deployment assets the CLI reads by relative path (e.g. `newswire kibana import` reads
# deploy/kibana/), so the working directory is /app.
WORKDIR /app
COPY deploy/ deploy/

USER newswire:newswire

# Local state of the stateful stages (RocksDB tables of poller, tracker, enricher).
VOLUME ["/var/lib/newswire"]

ENTRYPOINT ["newswire"]
CMD ["--help"]
