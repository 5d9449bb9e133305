# StrideCoach: the bot in a small image, its SQLite database on the /data volume.
#
#   docker build -t stridecoach .
#   docker volume create stridecoach-data
#   docker run -d --name stridecoach --restart unless-stopped \
#       -e TELEGRAM_BOT_TOKEN=123456:ABC... -v stridecoach-data:/data stridecoach
#
# Two stages: the first builds a virtualenv with exactly the dependencies that
# pyproject.toml declares, the second copies that venv onto a clean base and
# runs it as an unprivileged user. No compiler or pip cache reaches the image.

FROM python:3.11-slim AS build

# Optional mirrors for pip, passed as --build-arg (e.g. by a CI cache).
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST
ARG PIP_DEFAULT_TIMEOUT=120
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
RUN python -m venv /opt/venv

# Dependencies first, read from pyproject.toml itself, so that editing the code
# does not reinstall them (this layer is cached until pyproject.toml changes).
COPY pyproject.toml ./
# The postgres extra (psycopg 3) too, so the same image opens SQLite or PostgreSQL.
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" \
        > /tmp/requirements.txt \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt

# Then the project itself, without touching the dependencies again.
COPY README.md ./
COPY stridecoach ./stridecoach
COPY bot ./bot
COPY domain ./domain
COPY content ./content
COPY storage ./storage
# The check runs from / so that the source folders here cannot stand in for the install.
RUN /opt/venv/bin/pip install --no-deps . \
 && cd / \
 && /opt/venv/bin/python -c "import stridecoach.bot.cli, psycopg; from stridecoach.storage.migrations import head_revision; head_revision()" \
 && STRIDECOACH_MODEL_CACHE=/opt/models /opt/venv/bin/python -m stridecoach train
# The bot serves with `python -X no_debug_ranges -OO` (CMD below) and never writes
# bytecode (PYTHONDONTWRITEBYTECODE): its .pyc files, without docstrings and without
# column positions, are compiled here next to the ones pip compiled (which other commands
# use), or every start would compile each module from source. Not for what serving never
# imports (46 MB of .pyc: the training libraries, pip, setuptools, test folders).
RUN /opt/venv/bin/python -X no_debug_ranges -m compileall -q -o 2 \
        -x '/(tests?|scipy|sklearn|narwhals|pip|setuptools)/' /opt/venv/lib


FROM python:3.11-slim

# A fixed uid so that a bind-mounted /data can be chowned to it on the host.
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home stridecoach \
 && mkdir -p /data \
 && chown stridecoach:stridecoach /data

COPY --from=build /opt/venv /opt/venv
# The standard library's .pyc files for the CMD too (-f: any the base image has are
# compiled again, without column positions).
RUN python -X no_debug_ranges -m compileall -q -f -o 2 -x '/(test|tests|idle_test)/' \
        "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"
# The understanding models trained at build time: start-up loads, never trains.
COPY --from=build /opt/models /opt/models

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/stridecoach.db \
    STRIDECOACH_MODEL_CACHE=/opt/models \
    HEALTH_PORT=8080

# The database (and its WAL files) live here; mount a volume to keep them.
VOLUME ["/data"]
USER stridecoach
WORKDIR /app

# 8443: webhook mode (behind your HTTPS proxy); 8080: GET /healthz in every mode.
EXPOSE 8443 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HEALTH_PORT', '8080'), timeout=4)"]

# SIGTERM (docker stop) drains in-flight updates and closes the database.
STOPSIGNAL SIGTERM
# -OO: the docstrings stay out of memory (about 9 MB of an idle process; nothing the bot
# runs reads them), and so do `assert` statements, which in this code only narrow types
# for mypy. -X no_debug_ranges: the code keeps line numbers but not the column positions
# that draw ^^^ under a traceback's line (1 MB). docs/performance.md, "Idle memory under
# 100 MB". Other commands (`stridecoach migrate`, `stats`, the health check) run as usual.
CMD ["python", "-X", "no_debug_ranges", "-OO", "-m", "stridecoach", "run"]
