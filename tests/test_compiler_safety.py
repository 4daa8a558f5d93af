"""The real compilers cannot read outside the student's folder, a compiler that fails says so,
and only a few compilers run at once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from conftest import CONFIG, diagnostics_for, init_params, open_document
from error_tutor_server import compilers, includes
from error_tutor_server.compilers import diagnose, diagnose_sync, parse_c_output, parse_javac_output
from error_tutor_server.settings import TutorSettings

GCC = TutorSettings(c_compiler="gcc")
SECRET = "int SECRET_TOKEN_42 = ;\n"  # a syntax error: gcc would quote this file's lines if it read it
MACRO_BOMB = "".join(f"#define M{i + 1} " + " ".join([f"M{i}"] * 10) + "\n" for i in range(8)).replace("M0", "x")
SLOW_C = MACRO_BOMB.replace("#define M7", "//").replace("#define M8", "//") + "int main(void) { M6 }\n"
OOM_C = MACRO_BOMB + "int main(void) { M8 }\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A student's folder, and beside it (outside it) a secret header."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.h").write_text(SECRET)
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


def check(program: str, folder: Path, filename: str = "hw1.c", settings: TutorSettings = GCC):
    return diagnose_sync("c", program, settings, filename=filename, include_dir=str(folder))


def seen(diagnostics) -> list[tuple]:
    """What the student learns from diagnostics, leaving out the quoted line (it quotes the path)."""
    return [(d.line, d.column, d.severity, d.message, d.code, d.notes) for d in diagnostics]


def assert_refused(diagnostics, says: str = "outside your project folder") -> None:
    assert [(d.line, d.code) for d in diagnostics] == [(1, "error-tutor-include")], diagnostics
    assert says in diagnostics[0].message
    assert "SECRET" not in json.dumps([d.to_dict() for d in diagnostics])


@pytest.mark.parametrize("include", [
    '%:include "{secret}"',  # digraph
    '#inc\\\nlude "{secret}"',  # a line splice inside the directive
    '/**/#include "{secret}"',
    '#/*x*/include "{secret}"',
    '#define OUTSIDE "{secret}"\n#include OUTSIDE',  # a macro: only the preprocessor knows
    '#import "{secret}"',
    '#include_next "{secret}"',
    '#include "../outside/secret.h"',
    '#include "header.h"',  # a project header that itself includes the outside file
])
def test_an_include_that_leaves_the_project_is_refused(project, include):
    secret = project.parent / "outside" / "secret.h"
    (project / "header.h").write_text(f'#include "{secret}"\n')
    program = include.replace("{secret}", str(secret)) + "\nint main(void)\n{\n    return 0;\n}\n"
    assert_refused(check(program, project))


def test_a_symlink_in_the_project_to_an_outside_file_is_refused(project):
    (project / "notes.h").symlink_to(project.parent / "outside" / "secret.h")
    assert_refused(check('#include "notes.h"\nint main(void) { return 0; }\n', project))


@pytest.mark.parametrize("template", [
    '#define OUTSIDE "{path}"\n#include OUTSIDE\n',  # decided by the preprocessor
    '#include "header.h"\n',  # a project header includes it
    '#include "{path}"\n',  # the textual first line
])
def test_an_outside_include_is_refused_the_same_whether_or_not_the_file_exists(project, template):
    def run(path: Path):
        (project / "header.h").write_text(f'#include "{path}"\n')
        return check(template.replace("{path}", str(path)) + "int main(void) { return 0; }\n", project)
    present, missing = run(project.parent / "outside" / "secret.h"), run(project.parent / "outside" / "nothing.h")
    assert_refused(present)
    assert seen(present) == seen(missing)


@pytest.mark.parametrize("probe", [
    '#if __has_include("{path}")',
    '#if __has_include_next("{path}")',
    '#define CAT(a, b) a##b\n#if CAT(__has_, include)("{path}")',  # token pasting forms the name
    '#define HAS __has_\\\ninclude\n#if HAS("{path}")',
])
def test_has_include_cannot_tell_whether_an_outside_file_exists(project, probe):
    def run(path: Path):
        text = probe.replace("{path}", str(path)) + "\n#error yes\n#else\n#error no\n#endif\nint main(void) { return 0; }\n"
        return check(text, project)
    present, missing = run(project.parent / "outside" / "secret.h"), run(project.parent / "outside" / "nothing.h")
    assert seen(present) == seen(missing)
    assert all("yes" not in d.message for d in present)


@pytest.mark.parametrize("where", ["program", "header"])
def test_pragma_dependency_cannot_tell_whether_an_outside_file_exists(project, where):
    def run(path: Path):
        pragma = f'#define STR(x) #x\n#define P(x) _Pragma(STR(x))\nP(GCC dependency "{path}")\n'
        (project / "header.h").write_text(f'#pragma GCC dependency "{path}"\n')
        return check((pragma if where == "program" else '#include "header.h"\n') + "int main(void) { return 0; }\n", project)
    present, missing = run(project.parent / "outside" / "secret.h"), run(project.parent / "outside" / "nothing.h")
    assert_refused(present, says="#pragma GCC dependency")
    assert seen(present) == seen(missing)


def test_the_project_and_system_headers_still_work(project):
    (project / "helper.h").write_text("int helper(void);\n")
    (project / "lib").mkdir()
    (project / "lib" / "list.h").write_text('#include "../helper.h"\n#include <stdlib.h>\n')
    program = '#include <stdio.h>\n#include <math.h>\n#include "lib/list.h"\n#include "missing.h"\nint main(void) { return helper(); }\n'
    assert [(d.line, d.message) for d in check(program, project)] == [(4, "missing.h: No such file or directory")]


@pytest.mark.parametrize("inside", [True, False])
def test_an_include_folder_from_cflags_counts_only_inside_the_project(project, inside):
    folder = project / "inc" if inside else project.parent / "outside"
    folder.mkdir(exist_ok=True)
    (folder / "mylib.h").write_text("int twice(int n);\n")
    settings = GCC.replace(c_flags=("-std=gnu11", "-Wall", f"-I{folder}"))
    diagnostics = check("#include <mylib.h>\nint main(void) { return twice(1); }\n", project, settings=settings)
    if inside:
        assert diagnostics == []
    else:
        assert_refused(diagnostics)


def test_a_file_of_the_same_name_in_another_folder_is_not_the_students(project):
    (project / "old").mkdir()
    (project / "old" / "hw1.c").write_text("int broken = ;\n")
    diagnostics = check('#include "old/hw1.c"\nint main(void)\n{\n    return 0;\n}\n', project)
    assert diagnostics == [], "the error on line 1 of old/hw1.c is not on line 1 of the student's hw1.c"


def test_javac_reports_only_the_students_file_not_one_of_the_same_name(project):
    (project / "other").mkdir()
    (project / "other" / "Main.java").write_text(
        'package other;\npublic class Main {\n    public static int f() {\n        return "three";\n    }\n}\n')
    program = "public class Main {\n    int x = other.Main.f();\n}\n"  # javac checks other/Main.java too
    assert diagnose_sync("java", program, TutorSettings(), filename="Main.java", include_dir=str(project)) == []


def test_clang_style_text_is_matched_by_the_full_file_name():
    output = "/home/other/hw1.c:1:14: error: expected expression\nhw1.c:3:5: error: use of undeclared identifier 'x'\n"
    assert [(d.line, d.message) for d in parse_c_output(output, "hw1.c")] == [(3, "use of undeclared identifier 'x'")]
    javac = "/home/other/Main.java:1: error: ';' expected\nMain.java:2: error: cannot find symbol\n  x\n  ^\n2 errors\n"
    assert [d.line for d in parse_javac_output(javac, "Main.java")] == [2]


def test_the_cli_refuses_a_project_header_that_includes_an_outside_file(project):
    secret = project.parent / "outside" / "secret.h"
    (project / "header.h").write_text(f'#include "{secret}"\n')
    (project / "hw1.c").write_text('#include "header.h"\nint main(void)\n{\n    return 0;\n}\n')
    done = subprocess.run([sys.executable, "-m", "error_tutor_server", "explain", str(project / "hw1.c"), "--no-model",
                           "--format", "json"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [(d["line"], "outside your project folder" in d["message"]) for d in report["diagnostics"]] == [(1, True)]
    assert "SECRET" not in done.stdout


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

def count_running_processes(monkeypatch) -> list[int]:
    """Patches process creation: each time a process starts, how many are running with it. A
    process counts until its owner has waited for it (its returncode is set), which happens
    before its compile slot is given back."""
    started, counts = [], []
    create = asyncio.create_subprocess_exec

    async def counting(*args, **kwargs):
        process = await create(*args, **kwargs)
        started.append(process)
        counts.append(sum(p.returncode is None for p in started))
        return process
    monkeypatch.setattr(asyncio, "create_subprocess_exec", counting)
    return counts


def test_no_more_compilers_run_at_once_than_the_limit(monkeypatch):
    assert 1 <= compilers.MAX_CONCURRENT_COMPILES <= 4
    monkeypatch.setattr(compilers.COMPILE_SLOTS, "limit", 2)
    monkeypatch.setattr(compilers.COMPILE_SLOTS, "peak", 0)
    monkeypatch.setattr(includes, "_system_dirs", {})  # the first checks also ask gcc for its header folders
    counts = count_running_processes(monkeypatch)

    async def six_at_once():
        return await asyncio.gather(*(diagnose("c", SLOW_C, GCC, filename=f"p{i}.c") for i in range(6)))
    asyncio.run(six_at_once())
    assert len(counts) >= 7, "six compiles and at least one question for the header folders"
    assert max(counts) == 2 and compilers.COMPILE_SLOTS.peak == 2
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
