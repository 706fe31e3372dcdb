# syntax=docker/dockerfile:1
#
# The newswire image: `docker run newswire:latest run poller`, `... run sink`, `... topics create`,
# `... kibana import`, etc. (ENTRYPOINT is the `newswire` command).
#
# Each stage is its own distribution (services/<name>/pyproject.toml) on the shared library
# (shared/). STAGES picks what the image holds: all of them by default (one image serves compose
# and the Kubernetes manifests), or one for a slim image; only the chosen stages' dependencies are
# installed, so an image for the poller carries no spaCy:
#
#   docker build -t newswire:latest .
#   docker build --build-arg STAGES=poller -t newswire-poller:latest .
#   docker build --build-arg STAGES=archiver --build-arg EXTRAS=archiver:s3 -t newswire-archiver .
#
# The development tooling (devtools/: `newswire up`, the dev stack, the farm) is never installed.
#
# Two stages: `build` installs the project into a virtualenv at /opt/venv, `runtime` copies only that
# virtualenv, so the final image carries no pip cache and no build leftovers.
# Layers go from least to most often changed: the dependencies (pinned by constraints.txt) are
# installed from the pyproject.toml files alone, before any source is copied, so editing code
# rebuilds only the last, small layers.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# A current pip: older resolvers trip over the same extra required twice (lxml[html-clean]).
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --upgrade pip
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

ARG STAGES="poller fetcher normaliser tracker enricher sink archiver web"
# Extras as stage:extra pairs, e.g. "archiver:s3" (the archiver's S3 store).
ARG EXTRAS=""

# 1. Dependencies only: read from the pyproject.toml files of the shared library and the chosen
#    stages, pinned by constraints.txt.
COPY constraints.txt ./
COPY shared/pyproject.toml shared/
COPY services/poller/pyproject.toml services/poller/
COPY services/fetcher/pyproject.toml services/fetcher/
COPY services/normaliser/pyproject.toml services/normaliser/
COPY services/tracker/pyproject.toml services/tracker/
COPY services/enricher/pyproject.toml services/enricher/
COPY services/sink/pyproject.toml services/sink/
COPY services/archiver/pyproject.toml services/archiver/
COPY services/web/pyproject.toml services/web/
COPY deploy/docker/stage_requirements.py /tmp/
RUN python /tmp/stage_requirements.py $STAGES > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt

# 2. The project itself (dependencies are already satisfied, so this is quick).
COPY shared/ shared/
COPY services/ services/
RUN pip install -c constraints.txt ./shared $(for stage in $STAGES; do echo ./services/$stage; done) \
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
