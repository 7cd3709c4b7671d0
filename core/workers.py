"""gunicorn's gthread worker, with new connections spread evenly over the workers.

Every worker polls the one listening socket, and a kept-alive connection stays with the
worker that accepted it. When clients (or a proxy's pool) connect in a burst, the worker that
happens to be running accepts most of them before the others wake: 49/13/1/1 connections over
four workers was seen, and that one worker, bound to one core by the GIL, queued requests
while the others idled (payee checks at 500/s: p99 from 30 ms to 250 ms by the luck of the
draw). After each accept this worker steps back for a moment, so a worker already woken for
the same burst takes the next connection. Accepts are rare once connections are kept alive,
so the pause costs nothing in steady state; it caps one worker at about 1,000 new
connections a second.
"""

from __future__ import annotations

import time

from gunicorn.workers.gthread import ThreadWorker

ACCEPT_PAUSE_SECONDS = 0.001


class SpreadingThreadWorker(ThreadWorker):
    def accept(self, listener):
        super().accept(listener)
        time.sleep(ACCEPT_PAUSE_SECONDS)
