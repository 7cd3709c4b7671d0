"""gunicorn settings, from the environment (see README, "Configuration")."""

import gc
import multiprocessing
import os
import sys

from core.config import SettingError, load_settings

# The settings table is checked here, in the master, before any worker starts: a malformed
# setting is one line naming it and exit status 1, not a worker traceback per respawn.
try:
    _settings = load_settings()
except SettingError as exc:
    sys.exit(f"error: {exc}")
# Where gunicorn listens is where an unset ISSUER points (core.config.listen_url).
bind = _settings["BIND"]
# The embedded default keeps caches and replay state in-process, so it runs one worker (with
# threads); with Redis configured, workers are stateless and scale with the cores: one per core
# and a spare. A worker's threads wait on the database, Redis and banks side by side, so it
# does not need a second process per core to stay busy; extra processes only contend for the
# cores (on two cores, four workers answered 15-25 % fewer payee checks per second than three).
_default_workers = multiprocessing.cpu_count() + 1 if os.environ.get("REDIS_URL") else 1
workers = int(os.environ.get("WEB_CONCURRENCY", _default_workers))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# gthread, spreading a burst of new connections over the workers (core/workers.py)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "core.workers.SpreadingThreadWorker")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (or a HUP's replacement), a worker stops accepting, finishes the requests it has
# (the slowest, a fan-out over banks, is bounded by its deadline of a few seconds) and its bulk
# job's current chunk, then exits; after graceful_timeout the master kills what is left. Below
# the proxy's read timeout (60 s, deploy/nginx.conf) so nginx never gives up on a request that
# is still being finished.
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = 100
accesslog = None  # the app logs one JSON line per request
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def post_worker_init(worker):
    """Warm the worker up (core/warm.py), then move everything the loaded app holds out of
    the garbage collector's reach.

    Modules, routes, schemas, the matcher's tables and the pools (~170k objects) live as long
    as the worker and never become garbage, yet every full collection walked them all: a
    60-70 ms stop of every thread in the worker, every few hundred requests, which showed as
    the p99 of payee checks and as bank answers read 100 ms late in a fan-out.
    """
    from core.warm import warm

    warm(getattr(worker, "wsgi", None))
    gc.freeze()


def worker_exit(server, worker):
    """Hand back the bulk payee jobs this worker accepted but has not started: they stay
    `pending` in the database with their submission lease, and the next poll after it ends,
    on any instance, starts them (cop.api `bulk_job`). Without this the interpreter's exit
    would wait to run every queued job, past graceful_timeout, and be killed half-way."""
    app = getattr(worker, "wsgi", None)
    executor = getattr(app, "extensions", {}).get("cop_executor")
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
