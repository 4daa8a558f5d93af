"""Only a few compilers run at once, and a task cancelled while it waits never holds a slot."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from conftest import diagnostics_for, open_document
from error_tutor_server import compilers
from error_tutor_server.compilers import diagnose
from error_tutor_server.settings import TutorSettings

GCC = TutorSettings(c_compiler="gcc")
MACRO_BOMB = "".join(f"#define M{i + 1} " + " ".join([f"M{i}"] * 10) + "\n" for i in range(8)).replace("M0", "x")
SLOW_C = MACRO_BOMB.replace("#define M7", "//").replace("#define M8", "//") + "int main(void) { M6 }\n"


# C. Only a few compilers at once.

def compiler_children() -> int:
    """How many live child processes this test process has (each is one compiler)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        count += fields[0] != "Z" and int(fields[1]) == os.getpid()
    return count


async def most_children_during(work) -> int:
    task, most = asyncio.ensure_future(work), 0
    while not task.done():
        most = max(most, compiler_children())
        await asyncio.sleep(0.005)
    await task
    return most


def test_no_more_compilers_run_at_once_than_the_limit(monkeypatch):
    assert 1 <= compilers.MAX_CONCURRENT_COMPILES <= 4
    monkeypatch.setattr(compilers.COMPILE_SLOTS, "limit", 2)
    monkeypatch.setattr(compilers.COMPILE_SLOTS, "peak", 0)

    async def six_at_once():
        return await asyncio.gather(*(diagnose("c", SLOW_C, GCC, filename=f"p{i}.c") for i in range(6)))
    most = asyncio.run(most_children_during(six_at_once()))
    assert most <= 2 and compilers.COMPILE_SLOTS.peak == 2
    assert compilers.COMPILE_SLOTS.running == 0


def test_a_cancelled_waiter_never_holds_a_slot(monkeypatch):
    monkeypatch.setattr(compilers.COMPILE_SLOTS, "limit", 1)

    async def scenario():
        first = asyncio.ensure_future(diagnose("c", SLOW_C, GCC))
        waiting = [asyncio.ensure_future(diagnose("c", SLOW_C, GCC)) for _ in range(3)]
        await asyncio.sleep(0.05)
        for task in waiting:
            task.cancel()  # a newer version of each document arrived
        await first
        assert all(task.cancelled() for task in waiting)
        assert compilers.COMPILE_SLOTS.running == 0
        return await asyncio.wait_for(asyncio.gather(diagnose("python", "x = (\n", GCC),
                                                     diagnose("python", "y = 1\n", GCC)), 30)
    broken, clean = asyncio.run(scenario())
    assert len(broken) == 1 and clean == []


async def test_the_server_checks_many_files_opened_at_once(rules_client, tmp_path):
    uris = [open_document(rules_client, tmp_path / f"prog{i}.c", SLOW_C.replace("M6 }", f"M6 }}\nint x{i} = ;"), "c")
            for i in range(4)]
    for i, uri in enumerate(uris):
        diagnostics = await diagnostics_for(rules_client, uri, version=1, timeout=60)
        assert any(d.range.start.line == SLOW_C.count("\n") for d in diagnostics), f"prog{i}.c was checked"
