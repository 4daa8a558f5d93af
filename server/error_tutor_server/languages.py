"""The languages Error Tutor checks: one ``Language`` record each, and the lookups everyone uses.

Everything that differs between C, Python and Java lives in the record: which files and editor
language ids are its, how its compiler is run and what it prints is read, the name its
diagnostics carry in the editor, its knowledge base and its worked example for the model.
Adding a language means adding a record here (and the functions it names).

The compilers, the parsers and the rule tables import this module, so the record names them
by ``"module:attribute"`` (a ``Hook``) and they are imported on first use: importing the
registry stays cheap and no import cycle can form.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from error_tutor_server.errors import TutorError

@dataclass(frozen=True)
class Hook:
    """A function or table named by ``"module:attribute"``, imported when first used."""

    target: str

    @cached_property
    def value(self) -> Any:
        module, attribute = self.target.split(":")
        return getattr(importlib.import_module(module), attribute)

    def __call__(self, *args: Any) -> Any:
        return self.value(*args)


@dataclass(frozen=True)
class Fixed:
    """A hook that always gives the same answer (a diagnostic source that no setting changes)."""

    answer: str

    def __call__(self, *_args: Any) -> str:
        return self.answer


@dataclass(frozen=True)
class Language:
    """Everything the server, the knowledge base, the prompt and the tools need to know about one
    language. The hooks' signatures are those of the C functions in ``compilers.py``."""

    name: str  # the id in settings, diagnostics and rule ids, e.g. "c"
    display_name: str  # how people write it, e.g. "C" (reports, help)
    extensions: tuple[str, ...]  # file name endings that are this language, lower case
    lsp_ids: tuple[str, ...]  # the LSP languageId values editors send for it
    default_filename: str  # the file a check compiles when the caller names none
    compiler_name: str  # "the {compiler_name} crashed..." in a failure message
    diagnostic_source: Hook | Fixed  # settings -> the source name the editor shows with a diagnostic
    memory_limit_bytes: int  # RLIMIT_AS of one compiler run
    build_run: Hook  # (text, settings, workdir, filename, include_dir) -> CompilerRun
    report_on_stdout_only: bool  # True: stdout is the report (stderr is noise); else stderr + stdout
    parse_output: Hook  # (output, filename) -> the diagnostics in the student's file
    reported_anything: Hook  # output -> whether it printed any diagnostic, in any file
    rule_table: Hook  # the knowledge base's rules, tried in order, the last one the fallback
    worked_example: tuple[str, str]  # (question, answer): shows a small model the expected shape
    internal_failure: Hook | None = None  # CompilerResult -> whether the compiler itself broke down
    vets_includes: bool = False  # the preprocessor's list of opened headers is checked (see includes.py)
    refine: Hook | None = None  # (diagnostics, text) -> diagnostics, after parsing

    @property
    def rules(self) -> tuple:
        return tuple(self.rule_table.value)


def _compiler(name: str) -> Hook:
    return Hook(f"error_tutor_server.compilers:{name}")


C = Language(
    name="c", display_name="C", extensions=(".c", ".h"), lsp_ids=("c",), default_filename="main.c",
    compiler_name="C compiler", diagnostic_source=_compiler("resolve_c_compiler"), memory_limit_bytes=1 << 30,
    build_run=_compiler("build_c_run"), report_on_stdout_only=False, parse_output=_compiler("parse_c_output"),
    reported_anything=_compiler("c_reported_anything"), internal_failure=_compiler("c_internal_error"),
    vets_includes=True, refine=_compiler("refine_c_diagnostics"),
    rule_table=Hook("error_tutor_server.knowledge.c_static_rules:RULES"),
    worked_example=(
        "Compiler message (line 5): 'count' undeclared (first use in this function)\n"
        "Code:\n   4 |     int total = 0;\n   5 |     count = count + 1;\n"
        "Facts:\nCategory: undeclared-identifier\nConcept: declaring variables before use\nOffending token: count\n"
        "Meaning: The name `count` is used on line 5 before any declaration of it.\n"
        "The mistake is most likely on line 5.",
        "The compiler says `count` is undeclared: line 5 uses `count`, but no declaration of it comes before. "
        "Every variable must be declared with its type before it is used."))

PYTHON = Language(
    name="python", display_name="Python", extensions=(".py", ".pyw"), lsp_ids=("python",),
    default_filename="main.py", compiler_name="Python compiler", diagnostic_source=Fixed("python"),
    memory_limit_bytes=1 << 30, build_run=_compiler("build_python_run"), report_on_stdout_only=True,
    parse_output=_compiler("parse_python_output"), reported_anything=_compiler("python_reported_anything"),
    rule_table=Hook("error_tutor_server.knowledge.python_static_rules:RULES"),
    worked_example=(
        "Compiler message (line 2): SyntaxError: expected ':'\n"
        "Code:\n   1 | for n in range(3)\n   2 |     print(n)\n"
        "Facts:\nCategory: missing-colon\nConcept: block headers\nOffending token: )\n"
        "Meaning: Python expected a colon `:` at the end of the line that starts the block on line 1.\n"
        "The mistake is most likely on line 1.",
        "Python expected a colon at the end of the `for` line, because a line that starts a block must end with `:`. "
        "Without it, Python cannot tell where the loop's body begins."))

JAVA = Language(
    name="java", display_name="Java", extensions=(".java",), lsp_ids=("java",), default_filename="Main.java",
    compiler_name="Java compiler", diagnostic_source=Fixed("javac"), memory_limit_bytes=6 << 30,  # a JVM
    build_run=_compiler("build_java_run"), report_on_stdout_only=False, parse_output=_compiler("parse_javac_output"),
    reported_anything=_compiler("javac_reported_anything"), internal_failure=_compiler("javac_system_error"),
    rule_table=Hook("error_tutor_server.knowledge.java_lint_rules:RULES"),
    worked_example=(
        "Compiler message (line 3): cannot find symbol\n"
        "Code:\n   3 |         System.out.println(mesage);\n"
        "Facts:\nCategory: undefined-variable\nConcept: declaring names before use\nOffending token: mesage\n"
        "Meaning: javac does not know the name `mesage` used on line 3.\n"
        "The mistake is most likely on line 3.",
        "On line 3 Java cannot find anything called `mesage`: no variable with exactly this name is declared where "
        "it is used. Names in Java must match their declaration letter for letter."))

# In this order everywhere: settings' default, the CLI's choices, reports.
LANGUAGES: dict[str, Language] = {language.name: language for language in (C, PYTHON, JAVA)}
_BY_LSP_ID = {lsp_id: language.name for language in LANGUAGES.values() for lsp_id in language.lsp_ids}


def language_for_path(path: str) -> str | None:
    """The language of a file by its extension, or None."""
    lowered = path.lower()
    for language in LANGUAGES.values():
        if lowered.endswith(language.extensions):
            return language.name
    return None


def language_of(uri: str, language_id: str) -> str | None:
    """The language of an editor's document: its languageId when that is one of ours, else its extension."""
    by_id = _BY_LSP_ID.get(language_id) if isinstance(language_id, str) else None  # a client may send anything
    return by_id or language_for_path(uri)


def listed(words: list[str] | tuple[str, ...], last: str) -> str:
    """``a, b and c`` (or ``or``): the languages as a sentence names them."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def language_named(name: str) -> Language:
    """The record for ``name``; a TutorError, not a KeyError, for one Error Tutor does not check."""
    if name not in LANGUAGES:
        raise TutorError(f"Unsupported language '{name}'.", f"Use {listed(list(LANGUAGES), 'or')}.")
    return LANGUAGES[name]
