# syntax=docker/dockerfile:1.7
# SchoolHub image: one image, four workloads (see infra/terraform/README.md, "Workloads"):
#   schoolhub serve --host 0.0.0.0   API pods (default CMD; Kubernetes adds --no-migrate), port 8000
#   schoolhub worker                 queue workers (push, VNPay IPN inbox, reconciliation, recordings)
#   schoolhub migrate                pre-deploy Kubernetes Job, connects as the owner role
#   schoolhub sfu-worker             SFU nodes (host networking, one process per core)
#
# Build stage: uv installs exactly what uv.lock pins (no dev group) into /app/.venv.
# Final stage: python slim with only that virtualenv (the project is installed into it as a wheel,
# so the source ships inside the venv); no uv, no compilers, no package caches; runs as a
# non-root user. Pin both images by digest in CI (docker buildx imagetools inspect) when promoting.
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM python:3.11-slim-bookworm AS build
COPY --from=uv /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first (cached layer while only application code changes).
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
# Then the project itself, installed non-editable so the final stage needs nothing but the venv.
COPY README.md ./
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="schoolhub" \
      org.opencontainers.image.description="SchoolHub multi-tenant GraphQL backend"
RUN groupadd --system --gid 10001 schoolhub \
    && useradd --system --uid 10001 --gid schoolhub --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin schoolhub
COPY --from=build --chown=root:root /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SCHOOLHUB_DATA_DIR=/tmp/schoolhub
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Kubernetes probes (/health/ready, /health/live) do the health checking; the same image also runs
# worker, migrate and sfu-worker, which serve no HTTP, so an image-level probe would be wrong for them.
#checkov:skip=CKV_DOCKER_2:health is checked by Kubernetes readiness/liveness probes; worker, migrate and sfu-worker serve no HTTP so one image HEALTHCHECK cannot fit all four commands
ENTRYPOINT ["schoolhub"]
CMD ["serve", "--host", "0.0.0.0"]
