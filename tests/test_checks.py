"""The checker (``checks``) on hand-written model texts: leaks, wrong lines or tokens, garbage, language.

No model here; the real model is exercised in the LSP and CLI tests.
"""

from __future__ import annotations

from error_tutor_server.checks import check_explanation, leaks_fix
from missing_semicolon import DIAG, PROGRAM


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


def test_wrong_line_token_and_garbage_are_rejected():
    assert any("names line 9" in r for r in check("The problem is on line 9 where the loop ends.").reasons)
    assert any("not in the code" in r for r in check("The variable `counter` was never declared here.").reasons)
    assert "empty or too short" in check("ok.").reasons
    assert "repeats itself" in check("the the error the the error the the error the the error the the error.").reasons
    assert "cut off at the token limit" in check("The statement on line 4 is", finish_reason="length").reasons
    assert "does not mention the error's subject" in check("Programs are made of many parts that work.", anchors={"semicolon"}).reasons


def test_the_prompts_fact_names_echoed_by_the_model_are_rejected():
    """The model once wrote "Void Meaning: Line 111 is the header of a method ...": the prompt's scaffolding, not
    an explanation. Its facts' names followed by a colon are refused; the words in a sentence are not."""
    echoed = check("Void Meaning: the statement on line 4 is not finished with a semicolon before `printf`.")
    assert "echoes the names of the prompt's facts" in echoed.reasons
    plain = check("The meaning of line 4: the statement is not finished with a semicolon before `printf`.")
    assert "echoes the names of the prompt's facts" not in plain.reasons


def test_language_check_follows_locale():
    assert "not in Japanese" in check("The statement on line 4 is missing its end.", locale="ja").reasons
    assert check("4 行目の文がセミコロンで終わっていないため、次の行の printf でエラーになります。", locale="ja").ok


def test_a_name_quoted_from_the_facts_is_not_a_claim_about_the_code():
    """A fine-tuned model restates the rule's why ("declared with a type (such as `int`)"): `int` is an example
    from the facts it was handed, not a name it put on the student's line; an invented name still is."""
    text = "The statement on line 4 lacks its semicolon; a declaration such as `double` ends with one too."
    assert any("`double`" in reason for reason in check(text, anchors={"semicolon"}).reasons)
    facts = "Category: missing-semicolon\nLikely cause: every declaration, such as `double x = 1;`, ends with `;`."
    assert check(text, anchors={"semicolon"}, facts=facts).ok
    assert not check("The variable `counter` on line 4 lacks a semicolon.", anchors={"semicolon"}, facts=facts).ok
