"""gunicorn's gthread worker, with new connections spread evenly over the workers and no
thread spent on a connection that has sent nothing yet.

Spreading: every worker polls the one listening socket, and a kept-alive connection stays
with the worker that accepted it. When clients (or a proxy's pool) connect in a burst, the
worker that happens to be running accepts most of them before the others wake: 49/13/1/1
connections over four workers was seen, and that one worker, bound to one core by the GIL,
queued requests while the others idled (payee checks at 500/s: p99 from 30 ms to 250 ms by the
luck of the draw). After each accept this worker steps back for a moment, so a worker already
woken for the same burst takes the next connection. Accepts are rare once connections are
kept alive, so the pause costs nothing in steady state; it caps one worker at about 1,000 new
connections a second.

Silent connections: the stock worker hands a new connection straight to a thread, which waits
up to 5 s for its first bytes. A client that connects and says nothing (a slow or hostile
client, a pool opening connections ahead of need) held a thread each; as many of them as a
worker has threads stopped it answering anyone for 5 s at a time. Here a new connection waits
in the worker's poller, as a kept-alive one does, and gets a thread when its first bytes
arrive; one that stays silent for the keep-alive timeout is closed.
"""

from __future__ import annotations

import errno
import selectors
import time
from functools import partial

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, TConn, ThreadWorker

ACCEPT_PAUSE_SECONDS = 0.001


class SpreadingThreadWorker(ThreadWorker):
    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())  # non-blocking
        # gthread's own queue of connections waiting for their first bytes, closed by
        # murder_pending when their time is up
        conn.timeout = time.monotonic() + max(self.cfg.keepalive, DEFAULT_WORKER_DATA_TIMEOUT)
        self.pending_conns.append(conn)
        self.poller.register(client_sock, selectors.EVENT_READ,
                             partial(self.on_pending_socket_readable, conn))
        time.sleep(ACCEPT_PAUSE_SECONDS)
