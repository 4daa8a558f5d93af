"""``error-tutor data build``: mutations that the real compilers reject, targets the real checker
accepts, a split by program, hashes that match the files, and clear errors on bad corpora."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import corpus_path
from error_tutor_finetune.data import (DataConfig, Example, build_dataset, compile_program, new_diagnostic, split_of,
                                       teach)
from error_tutor_finetune.mutations import JAVA_SEEDS, OPERATORS, PYTHON_SEEDS, candidates
from error_tutor_finetune.teachers import RulesTeacher, check_target
from error_tutor_server.cli import main
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.case import Case
from error_tutor_server.prompt import answer_label, build_messages
from error_tutor_server.settings import TutorSettings

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
SETTINGS = TutorSettings(locale="en")
C_PROGRAM = """#include <stdio.h>

int square(int x)
{
    int result = x * x;
    return result;
}

int main(void)
{
    int total = 0;
    for (int i = 0; i < 3; i++) {
        total = total + square(i);
    }
    if (total == 5) {
        printf("%d\\n", total);
    }
    return 0;
}
"""
# the message each kind must produce (a fragment of the real compiler's text)
EXPECTED = {
    ("c", "missing-semicolon"): "';'", ("c", "missing-brace"): "expected",
    # a misspelt variable is 'undeclared'; a misspelt function, an implicit declaration that cannot link
    ("c", "misspelt-identifier"): "declar", ("c", "undeclared-variable"): "undeclared",
    ("c", "wrong-type-assignment"): "makes integer from pointer", ("c", "printf-format-mismatch"): "format '%",
    ("c", "missing-return"): "'return' with no value",
    ("c", "assign-in-condition"): "suggest parentheses around assignment",
    ("python", "missing-colon"): "expected ':'", ("python", "bad-indentation"): "IndentationError",
    ("python", "unclosed-bracket"): "was never closed", ("python", "misspelt-keyword"): "SyntaxError",
    ("python", "assign-for-compare"): "Maybe you meant '=='",
    ("java", "missing-semicolon"): "';' expected", ("java", "missing-class"): "cannot find symbol",
    ("java", "string-to-int"): "String cannot be converted to int", ("java", "missing-return"): "missing return statement",
    ("java", "undeclared-symbol"): "cannot find symbol",
}
PROGRAMS = {"c": [C_PROGRAM], "python": list(PYTHON_SEEDS.values()), "java": [JAVA_SEEDS["Grades"], JAVA_SEEDS["Factorial"]]}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def first_real_error(language: str, kind: str) -> tuple[object, CompilerDiagnostic]:
    """The first mutation of ``kind`` (over the test's correct programs) that the compiler rejects."""
    for program in PROGRAMS[language]:
        baseline = {d.message for d in compile_program(language, program, SETTINGS)}
        for mutation in [m for m in candidates(language, program, seed=3) if m.kind == kind][:4]:
            diagnostic = new_diagnostic(mutation, compile_program(language, mutation.text, SETTINGS) or [], baseline)
            if diagnostic is not None:
                return mutation, diagnostic
    raise AssertionError(f"no {language} {kind} mutation produced a diagnostic")


@pytest.mark.parametrize("language,kind", sorted(EXPECTED))
def test_each_mutation_kind_compiles_to_the_real_error(language, kind):
    mutation, diagnostic = first_real_error(language, kind)
    assert EXPECTED[(language, kind)] in diagnostic.message
    if kind not in ("missing-brace", "missing-class", "undeclared-variable"):  # these surface where the name is used
        assert abs(diagnostic.line - mutation.line) <= 3  # reported where the change is
    assert mutation.original_line  # the correct line, kept to catch targets that give it away


def test_every_operator_is_covered_by_the_expectations():
    assert {(lang, kind) for lang, ops in OPERATORS.items() for kind in ops} == set(EXPECTED)
    assert len(PYTHON_SEEDS) >= 12 and len(JAVA_SEEDS) >= 12
    for language, seeds in (("python", PYTHON_SEEDS), ("java", JAVA_SEEDS)):
        for name, program in seeds.items():  # the seeds are correct programs
            assert compile_program(language, program, SETTINGS) == [], name


def test_rules_targets_name_the_line_and_token_and_pass_the_checker():
    mutation, diagnostic = first_real_error("c", "misspelt-identifier")
    target, result = RulesTeacher().target(diagnostic, mutation.text, mutation.original_line)
    assert result.ok, result.reasons
    assert f"line {diagnostic.line}" in target.explanation
    assert f"`{target.token}`" in target.text() and target.token in mutation.text
    assert 2 <= target.text().count(". ") + 1 <= 4 and target.rationale and target.hint


class LeakyTeacher:
    """A teacher that gives the fix away (what a careless model does): the checker must stop it."""

    name = "leaky"

    def target(self, diagnostic, program, fixed_line="", reference=""):
        target, _ = RulesTeacher().target(diagnostic, program, fixed_line)
        leaky = replace(target, rationale=f"Change it to `{fixed_line}` and it compiles.", teacher=self.name)
        return leaky, check_target(leaky.text(), Case.of(diagnostic, program), fixed_line)


def test_filters_drop_targets_that_leak_the_fix():
    mutation, diagnostic = first_real_error("c", "missing-semicolon")
    example = Example("x#1", "x", "g", "test", mutation.kind, "synthetic", "c", mutation.text, diagnostic,
                      mutation.original_line)
    config = DataConfig()
    rows, rejected = teach([example], LeakyTeacher(), config, lambda items, **_: items)
    assert rows == [] and len(rejected) == 1
    assert any("fixed line" in r or "what to write" in r for r in rejected[0]["reasons"])
    rows, rejected = teach([example], RulesTeacher(), config, lambda items, **_: items)
    assert len(rows) == 1 and rejected == []


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    corpus_path("c_tracer.jsonl")
    out = tmp_path_factory.mktemp("data")
    config = DataConfig(out=str(out), languages=["c", "python"], limit=12, mutations_per_program=2,
                        mutations_per_seed=3, validation_fraction=0.25, test_fraction=0.25,
                        preference_cases=2, samples_per_case=1, sample_max_tokens=48)
    return out, build_dataset(config, progress=lambda items, **_: items)


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_split_is_by_program_with_no_overlap(built):
    out, manifest = built
    splits = {name: rows_of(out / f"{name}.jsonl") for name in ("train", "validation", "test")}
    assert all(splits.values()), {k: len(v) for k, v in splits.items()}
    for key in ("program_id", "group"):
        owners = [{row["meta"][key] for row in rows} for rows in splits.values()]
        assert not (owners[0] & owners[1] or owners[0] & owners[2] or owners[1] & owners[2]), key
    for name, rows in splits.items():  # the split is a fixed function of the program and the seed
        assert all(split_of(r["meta"]["group"], 1234, 0.25, 0.25) == name for r in rows)
    stages = {row["meta"]["stage"] for rows in splits.values() for row in rows}
    assert stages == {"real", "synthetic", "warning"}  # warnings: those of the correct programs
    heldout = json.loads((out / "heldout.json").read_text())
    test_ids = {f"{corpus}:{i}" for corpus, ids in heldout["test"].items() for i in ids}
    assert test_ids == {r["meta"]["program_id"] for r in splits["test"]}


def test_rows_are_the_server_prompt_and_a_checked_answer(built):
    out, _ = built
    for row in rows_of(out / "train.jsonl")[:40]:
        meta = row["meta"]
        diagnostic = CompilerDiagnostic(**{**meta["diagnostic"], "notes": tuple(meta["diagnostic"]["notes"])})
        case = Case.of(diagnostic, meta["program"])
        assert row["messages"][:-1] == build_messages(case)
        answer = row["messages"][-1]
        # it opens with the label the server gives a fine-tuned model to continue (build_messages(prefill=True))
        assert answer["content"].startswith(answer_label(case.classification, case.line) + " "), answer
        assert answer["role"] == "assistant" and answer["content"] == f"{meta['explanation']} {meta['rationale']}".strip()
        assert check_target(answer["content"], Case.of(diagnostic, meta["program"]), meta["fixed_line"]).ok
        expert_led = meta["teacher"] == "expert"  # a Python error friendly-traceback explained
        assert meta["teacher"] == "rules" or (expert_led and meta["language"] == "python"), meta["teacher"]
        assert meta["source"] and (bool(meta["mutation"]) == (meta["stage"] == "synthetic"))


def test_manifest_hashes_match_the_files(built):
    out, manifest = built
    card = (out / "dataset_card.md").read_text(encoding="utf-8")
    assert manifest == json.loads((out / "manifest.json").read_text())
    for name, info in manifest["files"].items():
        assert sha256(out / info["file"]) == info["sha256"], name
        if "rows" in info:
            assert len(rows_of(out / info["file"])) == info["rows"]
            assert info["sha256"] in card
    assert manifest["inputs"]["c_tracer.jsonl"]["sha256"] == sha256(CORPORA / "c_tracer.jsonl")
    assert "TRACER" in card and "friendly-traceback" in card


def test_preference_pairs_are_trl_conversational_and_ordered(built):
    out, manifest = built
    pairs = rows_of(out / "preferences.jsonl")
    assert pairs and manifest["files"]["preferences"]["rows"] == len(pairs)
    train_ids = {r["meta"]["id"] for r in rows_of(out / "train.jsonl")}
    for pair in pairs:
        assert [m["role"] for m in pair["prompt"]][-1] == "user" and pair["prompt"][0]["role"] == "system"
        assert [m["role"] for m in pair["chosen"]] == ["assistant"] == [m["role"] for m in pair["rejected"]]
        assert pair["chosen"][0]["content"] != pair["rejected"][0]["content"]
        assert pair["meta"]["chosen_score"] > pair["meta"]["rejected_score"] and pair["meta"]["rejected_reasons"]
        assert pair["meta"]["id"] in train_ids  # never from validation or test programs


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_or_empty_corpora_are_one_line_errors(tmp_path, capsys):
    good = json.dumps({"id": "p1", "title": "t", "source": "if x\n", "python_error": "", "friendly_output": "x"})
    broken = write(tmp_path / "broken.jsonl", good + "\n{not json\n")
    assert main(["data", "build", "--corpora", str(broken), "--no-preferences", "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err.strip()
    assert "broken.jsonl line 2 is not valid JSON" in error and len(error.splitlines()) == 1

    empty = write(tmp_path / "empty.jsonl", "\n")
    assert main(["data", "build", "--corpora", str(empty), "--no-preferences", "--out", str(tmp_path / "o")]) == 2
    assert "is empty" in capsys.readouterr().err

    missing = tmp_path / "nowhere.jsonl"
    assert main(["data", "build", "--corpora", str(missing), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_every_data_build_flag_has_help(capsys):
    with pytest.raises(SystemExit):
        main(["data", "build", "--help"])
    text = capsys.readouterr().out
    for name in ("--mutations-per-program", "--teacher", "--teacher-url", "--java-lines", "--preferences",
                 "--no-preferences", "--samples-per-case", "--seed", "--config"):
        assert name in text
    assert "error-tutor data build --out runs/data" in text  # the docstring's real command


def test_only_the_tuning_halves_and_the_tuning_only_corpus_are_trained_on(built):
    from error_tutor_finetune.eval_cases import corpus_half

    out, manifest = built
    rows = [row for name in ("train", "validation", "test") for row in rows_of(out / f"{name}.jsonl")]
    corpora = {row["meta"]["program_id"].split(":", 1)[0] for row in rows if row["meta"]["source"] != "seeds"}
    assert "c_tracer_more.jsonl" in corpora and "c_tracer.jsonl" in corpora
    for row in rows:
        if row["meta"]["source"] != "seeds":
            corpus, row_id = row["meta"]["program_id"].split(":", 1)
            assert corpus_half(corpus, row_id.split("#")[0]) == "tuning", row["meta"]["program_id"]


def test_a_checking_half_can_only_be_asked_for_by_name(tmp_path, capsys):
    assert main(["data", "build", "--halves", "middle", "--out", str(tmp_path / "x")]) == 2
    assert "Unknown half(s): middle" in capsys.readouterr().err


def test_python_targets_carry_the_experts_explanation():
    from error_tutor_finetune.eval_cases import build_case, clean_friendly

    rows = [json.loads(line) for line in corpus_path("python_friendly_syntax.jsonl").read_text().splitlines()]
    used = 0
    for row in rows[:12]:
        case = build_case(row, "python", "python_friendly_syntax.jsonl", SETTINGS)
        if isinstance(case, str):
            continue
        expert = clean_friendly(row["friendly_output"])
        target, result = RulesTeacher().target(case.diagnostic, case.program, case.fixed_line, expert)
        assert result.ok, (target.text(), result.reasons)
        if expert.split(". ")[0].strip(". ") in target.text():
            used += 1
            assert f"line {case.diagnostic.line}" in target.text() or f"line {target.line}" in target.text()
    assert used >= 6, f"the expert's words were used in only {used} of 12 targets"


def test_the_warnings_of_correct_programs_are_examples_of_their_own():
    from error_tutor_finetune.data import Program, warning_examples

    program = Program("c_tracer_more.jsonl:x", "c_tracer_more.jsonl", "c", C_PROGRAM.replace(
        "    int total = 0;\n", "    int total = 0;\n    int unused = 3;\n    int set = 1;\n    set = 2;\n"))
    found = compile_program("c", program.text, SETTINGS)
    examples = warning_examples(program, found)
    assert [e.stage for e in examples] == ["warning", "warning"]
    messages = sorted(e.diagnostic.message for e in examples)
    assert messages == ["unused variable 'unused'", "variable 'set' set but not used"], messages
    target, result = RulesTeacher().target(examples[0].diagnostic, program.text)
    assert result.ok and "never used" in target.text()


def test_the_teacher_lets_a_target_name_the_lines_the_server_lets_it_name():
    """A meaning that names another line (the `if` whose block closes on the compiler's line): the data build
    checks targets against the same lines as ``Tutor.judge`` (``Case.allowed_lines``), so it keeps them."""
    program = "#include <stdio.h>\n\nint main(void)\n{\n    int x = 1;\n    if (x > 0)\n    }\n    return 0;\n}\n"
    [diagnostic] = [d for d in compile_program("c", program, SETTINGS) if d.severity == "error"][:1]
    case = replace(Case.of(diagnostic, program), lines=(diagnostic.line,))  # the locator's line alone
    assert "line 6" in case.classification.meaning and 6 not in case.lines and 6 in case.allowed_lines
    target, _ = RulesTeacher().target(diagnostic, program)
    assert check_target(target.text(), case).ok, check_target(target.text(), case).reasons
