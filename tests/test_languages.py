"""The language registry: every record is complete and works with the real compiler, and no
other server module keeps its own list of the languages."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from error_tutor_server import includes
from error_tutor_server.case import Case
from error_tutor_server.compilers import build_run, diagnose_sync
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError
from error_tutor_server.knowledge import rules_for
from error_tutor_server.languages import LANGUAGES, Fixed, Hook, language_for_path, language_of
from error_tutor_server.prompt import build_messages, without_worked_example
from error_tutor_server.settings import TutorSettings

SERVER_PACKAGE = Path(__file__).resolve().parents[1] / "server" / "error_tutor_server"
SETTINGS = TutorSettings()

# language -> (a correct program, a program with one error, the line and message the compiler gives)
PROGRAMS = {
    "c": ("int main(void)\n{\n    return 0;\n}\n",
          "int main(void)\n{\n    int x = 1\n    return x;\n}\n", 4, "expected ',' or ';' before 'return'"),
    "python": ("print('hi')\n", "for n in range(3)\n    print(n)\n", 1, "SyntaxError: expected ':'"),
    "java": ("public class Main {\n}\n", 'public class Main {\n    int count = "three";\n}\n', 2,
             "incompatible types: String cannot be converted to int"),
}
ALL = pytest.mark.parametrize("name", list(LANGUAGES))


def test_every_language_has_test_programs():
    assert set(PROGRAMS) == set(LANGUAGES)


@ALL
def test_files_and_editor_ids_map_back_to_the_language(name):
    language = LANGUAGES[name]
    assert language.name == name and language.display_name and language.compiler_name
    assert language.extensions and all(ext.startswith(".") and ext == ext.lower() for ext in language.extensions)
    for ext in language.extensions:
        assert language_for_path(f"/home/student/hw1{ext}") == name
        assert language_for_path(f"HW1{ext.upper()}") == name
    assert language_for_path(language.default_filename) == name
    for lsp_id in language.lsp_ids:
        assert language_of("file:///home/student/notes.txt", lsp_id) == name
    assert language_of(f"file:///home/student/hw1{language.extensions[0]}", "plaintext") == name


def test_an_unknown_file_or_editor_id_is_no_language():
    assert language_for_path("notes.txt") is None
    assert language_of("file:///notes.txt", "markdown") is None
    assert language_of("file:///hw1.py", ["python"]) == "python"  # a malformed languageId: the extension decides


@ALL
def test_every_hook_names_something_that_exists(name):
    language = LANGUAGES[name]
    required = (language.build_run, language.parse_output, language.reported_anything, language.rule_table)
    assert all(isinstance(hook, Hook) for hook in required)
    hooks = [getattr(language, f.name) for f in dataclasses.fields(language)]
    for hook in (hook for hook in hooks if isinstance(hook, Hook)):
        assert hook.value is not None, hook.target
        assert hook.target.endswith(":RULES") or callable(hook.value), hook.target
    assert language.memory_limit_bytes >= 1 << 28
    source = language.diagnostic_source(SETTINGS)
    assert isinstance(source, str) and source
    assert isinstance(language.diagnostic_source, (Hook, Fixed))


@ALL
def test_rule_table_is_the_languages_own_and_ends_with_the_fallback(name):
    rules = rules_for(name)
    assert len(rules) > 1
    assert rules == LANGUAGES[name].rules
    assert all(rule.language == name for rule in rules)
    assert rules[-1].id == f"{name}.other" and rules[-1].patterns == ()


def test_an_unknown_language_has_no_rules_and_cannot_be_compiled():
    assert rules_for("cobol") == ()
    with pytest.raises(TutorError, match="Unsupported language 'cobol'. Use c, python or java."):
        diagnose_sync("cobol", "x", SETTINGS, filename="x.cbl")


@ALL
def test_worked_example_is_the_prompt_for_that_language(name):
    question, answer = LANGUAGES[name].worked_example
    assert question.startswith("Compiler message (line ") and "Facts:\n" in question and answer.endswith(".")
    _, broken, line, message = PROGRAMS[name]
    diagnostic = CompilerDiagnostic(language=name, line=line, column=1, end_line=line, end_column=2,
                                    severity="error", message=message).with_source(broken)
    messages = build_messages(Case.of(diagnostic, broken))
    assert [m["content"] for m in messages[1:3]] == [question, answer]
    assert without_worked_example(messages) == [messages[0], messages[3]]
    others = {LANGUAGES[other].worked_example for other in LANGUAGES if other != name}
    assert (question, answer) not in others


@ALL
def test_the_prompt_hands_the_model_the_rules_meaning_as_a_fact(name):
    """A small model restates a checked sentence faithfully and garbles one it must infer from the message:
    the case's facts carry the rule's meaning, filled in for this case, and the worked example shows them too."""
    _, broken, line, message = PROGRAMS[name]
    diagnostic = CompilerDiagnostic(language=name, line=line, column=1, end_line=line, end_column=2,
                                    severity="error", message=message).with_source(broken)
    case = Case.of(diagnostic, broken)
    facts = build_messages(case)[-1]["content"].split("Facts:\n", 1)[1]
    assert f"Meaning: {case.classification.meaning}\n" in facts
    assert facts.index("Meaning: ") < facts.index("Likely cause: ")
    assert "\nMeaning: " in LANGUAGES[name].worked_example[0]


def run_compiler(name: str, text: str, workdir: Path) -> str:
    """Build the record's command for ``text``, run the real compiler, return what it reported."""
    language = LANGUAGES[name]
    run = build_run(name, text, SETTINGS, str(workdir), language.default_filename, None)
    assert Path(run.argv[0]).is_absolute() and os.access(run.argv[0], os.X_OK)
    done = subprocess.run(run.argv, input=run.stdin, cwd=run.workdir, capture_output=True, timeout=120,
                          env={**os.environ, "LC_ALL": "C", "LANG": "C"})
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    if language.vets_includes:  # the headers -H lists come before the report
        stderr = includes.split_header_trace(stderr)[1]
    return stdout if language.report_on_stdout_only else stderr + stdout


@ALL
def test_the_real_compiler_runs_and_its_report_is_read(name, tmp_path):
    language = LANGUAGES[name]
    correct, broken, line, message = PROGRAMS[name]
    (tmp_path / "correct").mkdir()
    (tmp_path / "broken").mkdir()
    assert language.parse_output(run_compiler(name, correct, tmp_path / "correct"), language.default_filename) == []
    output = run_compiler(name, broken, tmp_path / "broken")
    assert language.reported_anything(output)
    found = language.parse_output(output, language.default_filename)
    assert [(d.language, d.line, d.severity, d.message) for d in found][:1] == [(name, line, "error", message)]


def test_the_registry_imports_no_compiler_and_no_rule_table():
    code = ("import sys, error_tutor_server.languages; "
            "print(sorted(m for m in sys.modules if m.startswith('error_tutor')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == str(["error_tutor_server", "error_tutor_server.errors", "error_tutor_server.languages"])


HARD_CODED_LIST = re.compile(r"""\(\s*["']c["']\s*,\s*["']python["']\s*,\s*["']java["']\s*,?\s*\)""")


def test_no_other_server_module_lists_the_languages_itself():
    assert HARD_CODED_LIST.search('enabled_languages: tuple = ("c", "python", "java")')
    assert HARD_CODED_LIST.search("for name in ('c','python', 'java'):")
    modules = [p for p in SERVER_PACKAGE.rglob("*.py") if p.name != "languages.py"]
    assert len(modules) > 20
    offenders = [str(p.relative_to(SERVER_PACKAGE)) for p in modules if HARD_CODED_LIST.search(p.read_text("utf-8"))]
    assert offenders == []
