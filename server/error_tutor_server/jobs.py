"""Model explanations generated in the background, one at a time, first in first out.

Diagnostics are queued as soon as they are published, in that order, so the hover usually finds the
model's text ready. A hover moves its diagnostic to the front of the queue. Every job has
a ``threading.Event`` that stops its generation token by token: it is set when the
document changes (the job is stale), or when a hover that alone wanted the job is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

from error_tutor_server.case import Explanation

log = logging.getLogger("error_tutor.jobs")


@dataclass
class Job:
    key: tuple  # (uri, version, index)
    run: Callable[[threading.Event], Explanation]  # blocking; called in a worker thread
    future: asyncio.Future
    cancel: threading.Event = field(default_factory=threading.Event)
    prefetched: bool = True  # False: started by a hover, which may cancel it


class ExplanationJobs:
    """A queue of explanation jobs served by one worker task (the model is one resource)."""

    def __init__(self) -> None:
        self.jobs: dict[tuple, Job] = {}
        self.queue: list[tuple] = []
        self._wakeup = asyncio.Event()
        self._worker: asyncio.Task | None = None

    def submit(self, key: tuple, run: Callable[[threading.Event], Explanation], *, front: bool = False,
               prefetched: bool = True) -> Job:
        """Queue ``run`` under ``key`` (or return the job already there)."""
        job = self.jobs.get(key)
        if job is None:
            job = Job(key, run, asyncio.get_running_loop().create_future(), prefetched=prefetched)
            self.jobs[key] = job
            self.queue.append(key)
        if front and key in self.queue:
            self.queue.remove(key)
            self.queue.insert(0, key)
        self._ensure_worker()
        self._wakeup.set()
        return job

    def cancel_where(self, predicate: Callable[[tuple], bool]) -> int:
        """Stop and forget every job whose key matches (e.g. a changed document's)."""
        stale = [key for key in self.jobs if predicate(key)]
        for key in stale:
            self._drop(self.jobs[key])
        return len(stale)

    def cancel_job(self, job: Job) -> None:
        self._drop(job)

    def _drop(self, job: Job) -> None:
        job.cancel.set()
        if not job.future.done():
            job.future.cancel()
        self.jobs.pop(job.key, None)
        if job.key in self.queue:
            self.queue.remove(job.key)

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        while True:
            if not self.queue:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            job = self.jobs[self.queue.pop(0)]
            try:
                result = await asyncio.to_thread(job.run, job.cancel)
                if not job.future.done():
                    job.future.set_result(result)
            except Exception as exc:  # the worker must survive anything one job does
                log.exception("explanation job %s failed", job.key)
                if not job.future.done():
                    job.future.set_exception(exc)
            finally:
                if self.jobs.get(job.key) is job:
                    del self.jobs[job.key]  # its result now lives in the tutor's cache

    async def close(self) -> None:
        self.cancel_where(lambda key: True)
        if self._worker is not None:
            self._worker.cancel()
