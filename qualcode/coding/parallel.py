"""Where chunks are coded: in this process, in worker processes, or on a Dask cluster.

Each executor maps `code_chunk` over chunks of raw answers and yields the results in input
order, with a bounded number of chunks in flight, so memory stays flat and the output does
not depend on which worker finished first. The compiled codebook is sent to each worker
once; only texts go out and only matrices and segments come back.

`nlp.pipe(n_process=...)` is not used: on this kind of work it measured ~30x slower than one
process (DESIGN.md), because it ships Doc objects back.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from qualcode.coding.chunk import ChunkResult, code_chunk
from qualcode.coding.compile import CompiledCodebook
from qualcode.errors import Location, QualcodeError

_WORKER_CODEBOOK: CompiledCodebook | None = None


def cores() -> int:
    """CPUs this process may use (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


class Executor:
    """Runs in this process: the reference the others must match byte for byte."""

    workers = 1

    def __init__(self, compiled: CompiledCodebook) -> None:
        self.compiled = compiled

    def map(self, chunks: Iterable[list[list[str]]]) -> Iterator[ChunkResult]:
        for texts in chunks:
            yield code_chunk(self.compiled, texts)

    def close(self) -> None:
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _init_worker(compiled: CompiledCodebook) -> None:
    global _WORKER_CODEBOOK
    _WORKER_CODEBOOK = compiled


def _code_in_worker(texts: list[list[str]]) -> ChunkResult:
    assert _WORKER_CODEBOOK is not None
    return code_chunk(_WORKER_CODEBOOK, texts)


class ProcessExecutor(Executor):
    """`jobs` worker processes (fork where available: they inherit the loaded pipeline)."""

    def __init__(self, compiled: CompiledCodebook, jobs: int) -> None:
        super().__init__(compiled)
        self.workers = jobs
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pool = context.Pool(jobs, initializer=_init_worker, initargs=(compiled,))

    def map(self, chunks: Iterable[list[list[str]]]) -> Iterator[ChunkResult]:
        pending: deque[Any] = deque()
        for texts in chunks:
            pending.append(self.pool.apply_async(_code_in_worker, (texts,)))
            if len(pending) >= 2 * self.workers:  # bounded: never the whole file in queues
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


class DaskExecutor(Executor):
    """Chunks as tasks on dask.distributed: the cluster at `scheduler`, or a LocalCluster of
    `jobs` single-threaded worker processes. The compiled codebook is scattered once."""

    def __init__(self, compiled: CompiledCodebook, jobs: int, scheduler: str | None) -> None:
        super().__init__(compiled)
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise QualcodeError(
                "E312", Location("--engine dask"), what="--engine dask",
                package="distributed", extra="dask",
            ) from None  # fmt: skip
        self.cluster: Any = None  # distributed is untyped: its objects are Any here
        self.client: Any
        try:
            if scheduler:
                # The connect timeout is dask's own setting (distributed.comm.timeouts.connect).
                self.client = Client(scheduler)  # type: ignore[no-untyped-call]
            else:
                self.cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=jobs, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=40,
                )  # fmt: skip
                self.client = Client(self.cluster)  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise QualcodeError(
                "E315", Location("--scheduler"), scheduler=scheduler or "LocalCluster",
                problem=str(exc),
            ) from None  # fmt: skip
        self.workers = max(1, len(self.client.scheduler_info()["workers"]))
        [self.codebook] = self.client.scatter([compiled], broadcast=True)

    def map(self, chunks: Iterable[list[list[str]]]) -> Iterator[ChunkResult]:
        pending: deque[Any] = deque()
        for texts in chunks:
            pending.append(self.client.submit(code_chunk, self.codebook, texts, pure=False))
            if len(pending) >= 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def executor_for(
    compiled: CompiledCodebook, jobs: int = 1, engine: str = "local", scheduler: str | None = None
) -> Executor:
    """`jobs` 0 means every core this process may use."""
    jobs = cores() if jobs == 0 else jobs
    if engine == "dask":
        return DaskExecutor(compiled, jobs, scheduler)
    if jobs > 1:
        return ProcessExecutor(compiled, jobs)
    return Executor(compiled)
