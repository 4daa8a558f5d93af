"""A compiler that fails says so, only a few compilers run at once, and a task cancelled while it
waits never holds a slot."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from conftest import CONFIG, diagnostics_for, init_params, open_document
from error_tutor_server import compilers
from error_tutor_server.compilers import diagnose, diagnose_sync
from error_tutor_server.settings import TutorSettings

GCC = TutorSettings(c_compiler="gcc")
MACRO_BOMB = "".join(f"#define M{i + 1} " + " ".join([f"M{i}"] * 10) + "\n" for i in range(8)).replace("M0", "x")
SLOW_C = MACRO_BOMB.replace("#define M7", "//").replace("#define M8", "//") + "int main(void) { M6 }\n"
OOM_C = MACRO_BOMB + "int main(void) { M8 }\n"


# B. A compiler that fails says so.

@pytest.mark.parametrize("language, program, says", [
    ("c", OOM_C, "ran out of memory"),
    ("c", "int x = " + "(" * 200_000 + ";\n", "crashed"),
    ("python", "x = " + "-" * 200_000 + "1\n", "ran out of memory"),
    ("python", "x = " + "+".join(["1"] * 300_000) + "\n", "ran out of stack"),
    ("java", "public class Main { " + "java.util.List<" * 3000 + "String" + ">" * 3000 + " x; }\n", "ran out of stack"),
])
def test_a_compiler_that_fails_says_so_in_one_diagnostic(language, program, says):
    diagnostics = diagnose_sync(language, program, TutorSettings())
    assert [(d.line, d.severity, d.code) for d in diagnostics] == [(1, "error", "error-tutor-compiler-failed")]
    assert says in diagnostics[0].message and "could not be checked" in diagnostics[0].message


def test_a_timeout_is_a_diagnostic_not_an_exception():
    diagnostics = diagnose_sync("c", OOM_C, GCC.replace(compile_timeout_s=0.5))
    assert [(d.line, d.code) for d in diagnostics] == [(1, "error-tutor-compiler-failed")]
    assert "took longer than 0.5 s" in diagnostics[0].message and "compileTimeoutS" in diagnostics[0].message


@pytest.mark.parametrize("language, program", [
    ("c", "int main(void)\n{\n    int x = 1\n    return x;\n}\n"),  # gcc exits 1
    ("c", "int main(void)\n{\n    return 0;\n}\n"),
    ("python", "if True\n    pass\n"),
    ("python", "print('hello')\n"),
    ("java", "public class Main {\n    int count = \"three\";\n}\n"),  # javac exits 1
    ("java", "public class Main {\n}\n"),
])
def test_ordinary_runs_are_not_reported_as_failures(language, program):
    assert all(d.code != "error-tutor-compiler-failed" for d in diagnose_sync(language, program, TutorSettings()))


@pytest_lsp.fixture(config=CONFIG)
async def impatient_client(lsp_client: LanguageClient, tmp_path):
    await lsp_client.initialize_session(init_params(tmp_path, backend="none", debounceMs=0, compileTimeoutS=0.5))
    yield
    await lsp_client.shutdown_session()


async def test_the_server_publishes_a_timeout_and_a_crash_as_diagnostics(impatient_client, tmp_path):
    slow = open_document(impatient_client, tmp_path / "bomb.c", OOM_C, "c")
    crash = open_document(impatient_client, tmp_path / "parens.c", "int x = " + "(" * 200_000 + ";\n", "c")
    [timeout] = await diagnostics_for(impatient_client, slow, version=1)
    assert timeout.range.start.line == 0 and "took longer" in timeout.message
    [failed] = await diagnostics_for(impatient_client, crash, version=1)
    assert failed.range.start.line == 0 and "crashed" in failed.message


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
