"""Deciding a large batch on more than one core.

The matcher is pure Python and holds the interpreter lock: a 10,000-payee batch or a job's
chunk spends half its CPU in `decide`, on one core, while the host may have more.
`MatcherPool` hands slices of a large batch to worker processes and decides one slice in the
calling thread meanwhile. The processes are started by a fork server that imported only the
matcher, so they inherit none of the web worker's threads, sockets or database connections.
Small batches and single checks are decided in the calling thread: sending them to another
process costs more than deciding them. The answer is the same either way: every process runs
the same `decide` with the configuration the caller passes.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from cop.matching import DEFAULT_CONFIG, Decision, Holder, MatchConfig, decide

# One name to decide: (entered name, the account's holders, entered account type)
Pair = tuple[str, Holder, str | None]


def decide_all(pairs: Sequence[Pair], config: MatchConfig) -> list[Decision]:
    """Every pair decided in this thread, in order."""
    return [decide(name, holder, kind, config) for name, holder, kind in pairs]


class MatcherPool:
    """`decide_all` over `processes` extra processes for batches of `minimum` pairs or more.

    A process that dies takes its slice's future with it: the batch raises, so its unit of
    work writes nothing (no audit row without an answer), and the executor is replaced for
    the next batch.
    """

    def __init__(self, processes: int, minimum: int = 2000) -> None:
        self.processes, self.minimum = processes, minimum
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # the worker's threads share one executor

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None or getattr(self._executor, "_broken", False):
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["cop.matching"])
                self._executor = ProcessPoolExecutor(self.processes, mp_context=context)
            return self._executor

    def start(self) -> None:
        """Start the processes now, so that the first large batch does not wait for them."""
        if self.processes:
            for future in [self._pool().submit(decide_all, [], DEFAULT_CONFIG)
                           for _ in range(self.processes)]:
                future.result()

    def __call__(self, pairs: Sequence[Pair], config: MatchConfig) -> list[Decision]:
        if not self.processes or len(pairs) < self.minimum:
            return decide_all(pairs, config)
        shares = self.processes + 1
        size = -(-len(pairs) // shares)
        pool = self._pool()
        futures = [pool.submit(decide_all, pairs[start : start + size], config)
                   for start in range(size, len(pairs), size)]
        decisions = decide_all(pairs[:size], config)
        for future in futures:
            decisions += future.result()
        return decisions

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(cancel_futures=True)
                self._executor = None
