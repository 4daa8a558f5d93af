"""Pure-logic units of the explanation pipeline: checker, locations, thread policy, cache, jobs.

These use hand-written model texts (no model); the real model is exercised in the LSP and CLI tests.
"""

from __future__ import annotations

import asyncio
import threading

from error_tutor_server.cache import GenerationCache, cache_key
from error_tutor_server.checks import check_explanation, leaks_fix
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.explain import likely_lines
from error_tutor_server.jobs import ExplanationJobs
from error_tutor_server.model import choose_threads
from error_tutor_server.server_state import diagnostic_at

PROGRAM = "#include <stdio.h>\nint main(void)\n{\n    int total = 0\n    printf(\"%d\", total);\n}\n"
DIAG = CompilerDiagnostic("c", 5, 5, 5, 11, "error", "expected ',' or ';' before 'printf'",
                          source_line='    printf("%d", total);')


def check(text: str, **kwargs):
    return check_explanation(text, DIAG, PROGRAM, allowed_lines={4, 5}, **kwargs)


def test_good_explanation_passes():
    result = check("The statement on line 4 is not finished with a semicolon, so the compiler "
                   "only notices when it reaches `printf` on the next line.", anchors={"semicolon"})
    assert result.ok, result.reasons


def test_leaks_are_rejected():
    assert not check("You need to write this:\n```c\nint total = 0;\n```").ok
    assert "contains the fixed line" in check("Write int total = 0; there.", fixed_line="int total = 0;").reasons
    assert not check("Change line 4 to `int total = 0;` and it compiles.").ok
    assert not check("Replace it with: total = total + 1; to make it work.").ok


def test_asides_in_parentheses_are_prose_not_code():
    for text in ("**What it means:** `break` or `continue` is used outside any loop (or switch).",
                 "Compare the header of your `insertSmallest` (if any) with the one in the interface:\nsame name.",
                 "A return works only in a method body, and break or continue only in a loop (or switch); "
                 "a misplaced `}` moved it."):
        assert not leaks_fix(text, PROGRAM), text
    assert leaks_fix("Call it like this: printf(total);", PROGRAM)  # a real call is still code
    assert leaks_fix("Try if (total > 0) { on that line.", PROGRAM)


def test_where_quotes_the_line_and_names_only_a_token_on_it():
    from error_tutor_server.explain import Explanation, student_text, where_text

    on_line = Explanation("**What it means:** x.", "rules", "missing-semicolon", 4, "total", "Look at the end.", "")
    assert where_text(on_line, PROGRAM, "en") == "**Where:** line 4: `int total = 0` (at `total`)"
    elsewhere = Explanation("**What it means:** x.", "rules", "unclosed-brace", 6, "printf", "", "")
    assert where_text(elsewhere, PROGRAM + "\n", "en") == "**Where:** line 6: `}`"
    assert student_text(on_line, PROGRAM, "en").endswith("**Hint:** Look at the end.")
    assert "Hint" not in student_text(on_line, PROGRAM, "en", hint=False)


def test_wrong_line_token_and_garbage_are_rejected():
    assert any("names line 9" in r for r in check("The problem is on line 9 where the loop ends.").reasons)
    assert any("not in the code" in r for r in check("The variable `counter` was never declared here.").reasons)
    assert "empty or too short" in check("ok.").reasons
    assert "repeats itself" in check("the the error the the error the the error the the error the the error.").reasons
    assert "cut off at the token limit" in check("The statement on line 4 is", finish_reason="length").reasons
    assert "does not mention the error's subject" in check("Programs are made of many parts that work.", anchors={"semicolon"}).reasons


def test_language_check_follows_locale():
    assert "not in Japanese" in check("The statement on line 4 is missing its end.", locale="ja").reasons
    assert check("4 行目の文がセミコロンで終わっていないため、次の行の printf でエラーになります。", locale="ja").ok


def test_missing_terminator_points_at_previous_line():
    assert likely_lines(DIAG, PROGRAM) == [4, 5]
    other = CompilerDiagnostic("c", 5, 20, 5, 25, "error", "'totl' undeclared", source_line="")
    assert likely_lines(other, PROGRAM) == [5]


def test_thread_policy_leaves_busy_cores_alone():
    assert choose_threads(0, cores=2, busy=0) == 2
    assert choose_threads(0, cores=2, busy=2) == 1  # two busy processes: one thread, not a collapse
    assert choose_threads(0, cores=16, busy=0) == 4
    assert choose_threads(3, cores=2, busy=5) == 3  # an explicit setting wins


def test_diagnostic_at_picks_the_narrowest_range():
    wide = CompilerDiagnostic("c", 2, 1, 2, 30, "warning", "w")
    narrow = CompilerDiagnostic("c", 2, 10, 2, 12, "error", "e")
    assert diagnostic_at([wide, narrow], 1, 10) == 1
    assert diagnostic_at([wide, narrow], 1, 2) == 0
    assert diagnostic_at([wide, narrow], 3, 0) is None


def test_cache_survives_a_restart(tmp_path):
    key = cache_key("model", [{"role": "user", "content": "x"}], 100)
    GenerationCache(tmp_path).put(key, "text", "stop")
    assert GenerationCache(tmp_path).get(key) == ("text", "stop")
    assert GenerationCache(tmp_path).get(cache_key("other", [], 100)) is None


def test_cache_on_unwritable_folder_degrades_to_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = GenerationCache(blocker / "sub")
    cache.put("k", "t", "stop")
    assert cache.get("k") == ("t", "stop")


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


def test_includes_outside_the_project_are_never_read(tmp_path):
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    (tmp_path / "helper.h").write_text("int helper(void);\n")
    program = '#include <stdio.h>\n#include "helper.h"\n#include "/etc/passwd"\n#include "../../etc/hostname"\nint main(void) { return helper(); }\n'
    diagnostics = diagnose_sync("c", program, TutorSettings(), filename="main.c", include_dir=str(tmp_path))
    refused = [d for d in diagnostics if d.code == "error-tutor-include"]
    assert [d.line for d in refused] == [3, 4]
    assert all("root:" not in d.message for d in diagnostics), "nothing from /etc/passwd reaches the student"
    assert not [d for d in diagnostics if "helper" in d.message], "the project's own header is found"
