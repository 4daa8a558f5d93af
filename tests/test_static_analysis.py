"""The deeper check (analysis.py): real gcc, pyflakes and javac on novice programs that compile.

Every program under tests/static_programs/ is one kind of diagnostic; its first line says the
line and the rule. Each must be explained by that rule on that line, and the rule's text (in
English and Japanese) must keep the fact contract of its case.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest

from error_tutor_server import analysis
from error_tutor_server.analysis import analyse, union
from error_tutor_server.case import Case, rule_explanation
from error_tutor_server.compilers import diagnose
from error_tutor_server.contracts import contract_violations
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.languages import language_named
from error_tutor_server.settings import TutorSettings, parse_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from static_corpus import check, programs  # noqa: E402

PROGRAMS = programs()
GCC = TutorSettings(c_compiler="gcc")


def rule_text(case: Case) -> str:
    explanation = rule_explanation(case, "hint")
    return "\n".join(part for part in (explanation.meaning, explanation.why, explanation.hint) if part)


def run(language: str, text: str, settings: TutorSettings = GCC, **kwargs):
    return asyncio.run(analyse(language, text, settings, **kwargs))


def test_there_is_a_program_for_every_new_kind():
    from error_tutor_server.knowledge.c_static_rules import STATIC_RULES
    from error_tutor_server.knowledge.java_lint_rules import LINT_RULES
    from error_tutor_server.knowledge.python_static_rules import STATIC_RULES as PY_RULES

    covered = {program.rule for program in PROGRAMS}
    assert {rule.id for rule in [*STATIC_RULES, *PY_RULES, *LINT_RULES]} <= covered


@pytest.mark.parametrize("program", PROGRAMS, ids=[str(p.path.relative_to(p.path.parents[1])) for p in PROGRAMS])
def test_each_kind_is_explained_on_its_line_and_keeps_its_contract(program):
    if program.compiler and not shutil.which(program.compiler):
        pytest.skip(f"{program.compiler} is not installed (make setup installs it)")
    outcome = asyncio.run(check(program, GCC))
    got = [(d.line, d.message) for d in outcome.diagnostics]
    assert outcome.explained, f"no diagnostic classified {program.rule}: {got}"
    assert outcome.right_line, f"{program.rule} on line {outcome.found.line}, not {program.line}: {got}"
    for locale in ("en", "ja"):
        case = Case.of(outcome.found, program.text, locale)
        assert case.classification.matched and case.classification.rule_id == program.rule
        assert contract_violations(rule_text(case), case) == [], (locale, rule_text(case))


def test_the_syntax_setting_and_typing_get_only_the_syntax_pass():
    text = "#include <stdio.h>\nint main(void)\n{\n    int n;\n    printf(\"%d\\n\", n);\n    return 0;\n}\n"
    deep = run("c", text)
    assert deep.deep_ran and any("uninitialized" in d.message for d in deep.diagnostics)
    assert not any("uninitialized" in d.message for d in run("c", text, deep=False).diagnostics)
    assert not any("uninitialized" in d.message for d in run("c", text, GCC.replace(analysis="syntax")).diagnostics)


def test_both_passes_are_published_once_each():
    text = "#include <stdio.h>\nint main(void)\n{\n    int unused = 1;\n    int n;\n    printf(\"%d\\n\", n);\n    return 0;\n}\n"
    found = run("c", text).diagnostics
    keys = [(d.line, d.column, d.message) for d in found]
    assert len(keys) == len(set(keys)), "the -Wall warning both passes give is shown once"
    assert [d.line for d in found] == sorted(d.line for d in found)


def test_a_misspelt_call_is_reported_once_not_again_by_the_linker():
    text = "#include <stdio.h>\nint main(void)\n{\n    prinf(\"hi\");\n    return 0;\n}\n"
    found = run("c", text).diagnostics
    assert [(d.line, d.severity) for d in found] == [(4, "error")]
    assert "'prinf'" in found[0].message


def test_a_function_defined_in_another_file_of_the_project_is_not_missing(tmp_path):
    (tmp_path / "helper.c").write_text("int helper(int x)\n{\n    return x + 1;\n}\n")
    main = "int helper(int x);\nint main(void)\n{\n    return helper(1);\n}\n"
    (tmp_path / "main.c").write_text(main)
    assert run("c", main, filename="main.c", include_dir=str(tmp_path)).diagnostics == []
    alone = run("c", main, filename="main.c").diagnostics
    assert [(d.line, d.message) for d in alone] == [(4, "undefined reference to 'helper'")]
    helper = (tmp_path / "helper.c").read_text()
    assert run("c", helper, filename="helper.c", include_dir=str(tmp_path)).diagnostics == [], "main is in main.c"
    assert run("c", helper, filename="helper.c").diagnostics[0].message.startswith("undefined reference to 'main'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["helper.c", "main.c"], "nothing is written beside the program"


def test_the_object_and_the_executable_stay_in_the_temporary_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "system-tmp"))
    (tmp_path / "system-tmp").mkdir()
    monkeypatch.chdir(tmp_path)
    seen = []
    real = analysis.compilers._execute

    async def spy(run_, record, timeout_s):
        result = await real(run_, record, timeout_s)
        seen.append((run_, sorted(p.name for p in Path(run_.workdir).iterdir())))
        return result

    monkeypatch.setattr(analysis.compilers, "_execute", spy)
    text = "int square(int n);\nint main(void)\n{\n    return square(2);\n}\n"
    found = run("c", text, filename="prog.c").diagnostics
    assert [d.message for d in found] == ["undefined reference to 'square'"]
    deep_run, files = seen[-1]
    assert "-o" in deep_run.argv and deep_run.argv[deep_run.argv.index("-o") + 1].startswith(deep_run.workdir)
    assert dict(deep_run.env)["TMPDIR"] == deep_run.workdir, "gcc's own object file goes there too"
    assert not Path(deep_run.workdir).exists(), "removed afterwards"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system-tmp"] and not any((tmp_path / "system-tmp").iterdir())
    ok = "int main(void)\n{\n    return 0;\n}\n"
    assert run("c", ok, filename="prog.c").diagnostics == []
    assert "program-not-run" in seen[-1][1], "the link wrote its executable inside the work directory"


def test_the_deep_pass_goes_through_the_include_check(tmp_path):
    program = '#include "../../../../../../etc/hostname"\nint main(void) { return 0; }\n'
    record = analysis._c_record(language_named("c"), "standard")
    found = asyncio.run(diagnose("c", program, GCC, filename="main.c", include_dir=str(tmp_path), record=record))
    assert [(d.line, d.code) for d in found] == [(1, "error-tutor-include")]
    assert [d.code for d in run("c", program, filename="main.c", include_dir=str(tmp_path)).diagnostics] == \
        ["error-tutor-include"]


def test_a_deep_pass_that_times_out_falls_back_to_the_syntax_pass_with_one_notice(monkeypatch):
    def slow(text, settings, workdir, filename, include_dir):
        return analysis.compilers.CompilerRun([sys.executable, "-c", "import time; time.sleep(30)"], b"", workdir)

    monkeypatch.setattr(analysis, "build_pyflakes_run", slow)
    settings = TutorSettings(compile_timeout_s=1.0)
    result = run("python", "import os\nx = (1 +\n", settings)
    assert [d.code for d in result.diagnostics] == ["SyntaxError"], "the syntax pass's diagnostics stay"
    clean = run("python", "import os\n", settings)
    assert clean.diagnostics == [] and "took too long" in clean.notice and "syntax check" in clean.notice


def test_a_crashing_deep_pass_falls_back_too(monkeypatch):
    def crash(text, settings, workdir, filename, include_dir):
        return analysis.compilers.CompilerRun([sys.executable, "-c", "import os; os.abort()"], b"", workdir)

    monkeypatch.setattr(analysis, "build_pyflakes_run", crash)
    result = run("python", "print(1)\n")
    assert result.diagnostics == [] and "failed" in result.notice


def test_pyflakes_missing_is_a_one_line_notice(monkeypatch):
    monkeypatch.setattr(analysis, "_PYFLAKES_CHECKER",
                        analysis._PYFLAKES_CHECKER.replace("from pyflakes import api", "from no_such_pyflakes import api"))
    result = run("python", "import os\nprint(undefined_thing)\n")
    assert result.diagnostics == [] and result.notice == analysis.PYFLAKES_MISSING_NOTICE
    assert "\n" not in result.notice


def test_pyflakes_never_runs_the_program(tmp_path):
    marker = tmp_path / "ran"
    text = f"open({str(marker)!r}, 'w').write('x')\nimport os\n"
    found = run("python", text).diagnostics
    assert [d.code for d in found] == ["UnusedImport"] and not marker.exists()


def test_java_lint_is_one_javac_run_with_the_errors_too():
    text = "class Main {\n    public static void main(String[] args) {\n        int x = \"a\";\n        if (x > 1);\n    }\n}\n"
    found = run("java", text, filename="Main.java").diagnostics
    assert [(d.line, d.severity) for d in found] == [(3, "error"), (4, "warning")]


def test_the_analysis_setting():
    assert TutorSettings().analysis == "standard"
    settings, warnings = parse_settings({"analysis": "deep"})
    assert settings.analysis == "deep" and not warnings
    settings, warnings = parse_settings({"analysis": "everything"})
    assert settings.analysis == "standard" and "analysis" in warnings[0]


def test_union_keeps_one_of_each():
    a = CompilerDiagnostic("c", 3, 1, 3, 2, "warning", "same")
    b = CompilerDiagnostic("c", 1, 1, 1, 2, "error", "first")
    assert union([a], [a, b]) == [b, a]


def test_the_eval_corpora_are_the_programs():
    from static_corpus import corpus_rows

    folder = Path(__file__).resolve().parent / "static_programs" / "corpora"
    for language in ("c", "python", "java"):
        rows = [json.loads(line) for line in (folder / f"static_{language}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert rows == corpus_rows(language), "run benchmarks/static_corpus.py --write-corpora tests/static_programs/corpora"


def test_eval_reads_a_static_corpus():
    from error_tutor_finetune.eval_cases import build_case, load_corpus

    path = Path(__file__).resolve().parent / "static_programs" / "corpora" / "static_python.jsonl"
    language, rows = load_corpus(path)
    assert language == "python"
    row = next(row for _, row, _ in rows if row["id"].endswith("undefined_name.py"))
    case = build_case(row, language, path.name, TutorSettings())
    assert case.truth_lines == {6} and case.diagnostic.line == 6 and "valeus" in case.targets
    assert build_case({**row, "source": "print(1)\n"}, language, path.name, TutorSettings()).startswith("no diagnostic")


@pytest.mark.skipif(not shutil.which("clang"), reason="clang is not installed (make setup installs it)")
def test_clang_gets_the_same_deeper_check_and_link():
    clang = TutorSettings(c_compiler="clang")
    text = "#include <stdio.h>\nint helper(int x);\nint main(void)\n{\n    int n;\n    printf(\"%d\\n\", helper(n));\n    return 0;\n}\n"
    found = [(d.line, d.severity, d.message) for d in run("c", text, clang).diagnostics]
    assert (6, "warning", "variable 'n' is uninitialized when used here") in found
    assert (6, "error", "undefined reference to 'helper'") in found


def test_an_empty_file_or_declarations_only_is_not_a_missing_main():
    assert run("c", "").diagnostics == []
    assert run("c", "#include <stdio.h>\nint helper(int x);\n").diagnostics == []
    assert [d.message.split(":")[0] for d in run("c", "int mian(void)\n{\n    return 0;\n}\n").diagnostics] == [
        "undefined reference to 'main'"]


def test_the_deeper_pass_waits_for_a_compile_slot_like_every_compile():
    from error_tutor_server.compilers import COMPILE_SLOTS

    text = "#include <stdio.h>\nint main(void)\n{\n    int n;\n    printf(\"%d\\n\", n);\n    return 0;\n}\n"

    async def many():
        COMPILE_SLOTS.peak = 0
        return await asyncio.gather(*(analyse("c", text, GCC, filename=f"p{i}.c") for i in range(6)))

    results = asyncio.run(many())
    assert all(r.deep_ran for r in results) and 0 < COMPILE_SLOTS.peak <= COMPILE_SLOTS.limit
