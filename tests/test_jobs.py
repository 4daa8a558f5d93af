"""The background explanation queue (``jobs``): first in first out, a hover's job first, stale jobs cancelled."""

from __future__ import annotations

import asyncio
import threading

from error_tutor_server.jobs import ExplanationJobs


def test_jobs_run_in_order_and_stale_ones_are_cancelled():
    async def scenario():
        jobs, started, gate = ExplanationJobs(), [], threading.Event()

        def slow(name):
            def run(cancel: threading.Event):
                started.append(name)
                gate.wait(2)
                return "stopped" if cancel.is_set() else name
            return run

        first = jobs.submit(("a", 1, 0), slow("a1"))
        second = jobs.submit(("b", 1, 0), slow("b1"))
        third = jobs.submit(("c", 1, 0), slow("c1"), front=True)
        await asyncio.sleep(0.1)
        assert jobs.cancel_where(lambda key: key[0] == "b") == 1
        gate.set()
        assert await first.future == "a1"
        assert await third.future == "c1"
        assert second.future.cancelled() and started == ["c1", "a1"]  # the hover's job jumped the queue
        await jobs.close()

    asyncio.run(scenario())
