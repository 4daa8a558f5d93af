"""The explanation's text and lines (``explain``): the Where line, the hint, the likely lines."""

from __future__ import annotations

from types import SimpleNamespace

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.locate import likely_lines
from missing_semicolon import DIAG, PROGRAM


def test_where_quotes_the_line_and_names_only_a_token_on_it():
    from error_tutor_server.case import Explanation
    from error_tutor_server.render import student_text, where_text

    on_line = Explanation("x.", "", "rules", "missing-semicolon", 4, "total", "Look at the end.", "")
    assert where_text(on_line, PROGRAM, "en") == "**Where:** line 4: `int total = 0` (at `total`)"
    elsewhere = Explanation("x.", "", "rules", "unclosed-brace", 6, "printf", "", "")
    assert where_text(elsewhere, PROGRAM + "\n", "en") == "**Where:** line 6: `}`"
    assert student_text(on_line, PROGRAM, "en").endswith("**Hint:** Look at the end.")
    assert "Hint" not in student_text(on_line, PROGRAM, "en", hint=False)


def test_missing_terminator_points_at_previous_line():
    assert likely_lines(DIAG, PROGRAM) == [4, 5]
    other = CompilerDiagnostic("c", 5, 20, 5, 25, "error", "'totl' undeclared", source_line="")
    assert likely_lines(other, PROGRAM) == [5]


def test_the_hover_footer_is_plain_words_and_the_reasons_stay_in_the_note():
    from error_tutor_server.case import Case
    from error_tutor_server.render import render_markdown, render_text
    from error_tutor_server.settings import TutorSettings
    from error_tutor_server.tutor import Tutor

    case = Case.of(DIAG, PROGRAM)
    rejected = Tutor(TutorSettings()).judge(case, "Change line 4 to `int total = 0;` and it compiles.", "stop")
    assert rejected.source == "rules" and "did not pass the checks" in rejected.note
    hover = render_markdown(rejected, DIAG, PROGRAM, "en")
    assert hover.endswith("_From the built-in guide._") and "checks" not in hover
    assert "did not pass the checks" in render_text(rejected, PROGRAM, "en", verbose=True)
    assert "checks" not in render_text(rejected, PROGRAM, "en")
    shown = Tutor(TutorSettings()).judge(case, "On line 4 the declaration of `total` does not end with a semicolon, "
                                               "so C reads on into `printf` on the next line.", "stop")
    assert shown.source == "model", shown.note
    assert render_markdown(shown, DIAG, PROGRAM, "en").endswith("_Explained by the local model._")


def test_the_hover_is_compact_and_the_panel_has_the_rest():
    from error_tutor_server.case import Case, rule_explanation
    from error_tutor_server.render import render_markdown

    explanation = rule_explanation(Case.of(DIAG, PROGRAM), "hint")
    hover = render_markdown(explanation, DIAG, PROGRAM, "en")
    panel = render_markdown(explanation, DIAG, PROGRAM, "en", panel=True)
    assert DIAG.message not in hover, "the editor shows the compiler's message above the hover: once is enough"
    assert "**Why:**" not in hover and "**Why:**" in panel and DIAG.message in panel
    assert [s.split(":**")[0] for s in hover.split("\n\n")] == ["**Where", "**What it means", "**Hint", "---\n_From the built-in guide._"]
    assert len(hover.splitlines()) <= 8, "fits VS Code's 250 px hover in the common case"


def test_the_models_code_excerpt_is_the_lines_around_the_message_and_the_mistake():
    """The model reads the line before and after the compiler's line and the likely mistake's, not 7 lines:
    each prompt line costs a busy lab machine time before the first word."""
    from error_tutor_server.prompt import prompt_excerpt

    program = "\n".join(f"line{n}" for n in range(1, 21))
    assert prompt_excerpt(program, 5, 5) == "   4 | line4\n   5 | line5\n   6 | line6"
    assert prompt_excerpt(program, 6, 5).splitlines() == ["   4 | line4", "   5 | line5", "   6 | line6", "   7 | line7"]
    far = prompt_excerpt(program, 20, 12).splitlines()
    assert far == ["  11 | line11", "  12 | line12", "  13 | line13", "     ...", "  19 | line19", "  20 | line20"]
    assert prompt_excerpt("only line", 1, 1) == "   1 | only line"
    assert len(prompt_excerpt("x" * 500, 1, 1)) < 130  # long lines are cut


def test_generation_stops_once_every_shown_sentence_is_there():
    """The hover shows three of the model's sentences: once a fourth begins, the rest is never read, so the
    backends stop generating (a looping model would otherwise run to its token limit)."""
    from error_tutor_server.prompt import complete_sentences, said_enough

    looping = "Missing colon on line 2. Add the colon. Add the colon. Add the"
    assert said_enough(looping)
    assert complete_sentences(looping) == "Missing colon on line 2. Add the colon. Add the colon."
    assert not said_enough("Missing colon on line 2. Lines that start a block end with a colon.")
    assert not said_enough("One. Two. Three.")  # three, and nothing begun after them: it may still end here
    assert not said_enough("One. The compiler points at `x`. Two. Three.")  # the pointer's is not shown
    assert said_enough("One. The compiler points at `x`. Two. Three. Four")


def test_the_models_label_is_not_shown():
    """The targets open with a label made from the category id ("Undeclared did you mean on line 10:"), which
    reads badly and which the model garbled ("Liked on line 1:"); the hover shows the message and the Where line
    already, so the label goes once the text has passed the checks. A sentence that only looks like one stays."""
    from error_tutor_server.prompt import without_label

    assert without_label("Undeclared did you mean on line 10: `totl` is used here.") == "`totl` is used here."
    assert without_label("Liked on line 1: the number `0123` starts with a zero.") == "The number `0123` starts with a zero."
    assert without_label("On line 3, a problem with reserved names: line 3 uses `else`.") == "Line 3 uses `else`."
    assert without_label("The compiler says `x` on line 5: it is unknown.") == "The compiler says `x` on line 5: it is unknown."
    # a name from the code keeps its capitals: Java's `decrypt` is not `Decrypt`
    assert without_label("Missing semicolon on line 75: decrypt on line 75 is in a method header.", {"decrypt"}) \
        == "decrypt on line 75 is in a method header."
    assert without_label("Missing semicolon on line 6.") == "Missing semicolon on line 6."
    # the compiler's name stays in lower case ("Javac read `(int [] a)`", eval of 2026-12-01)
    assert without_label("Declaration in expression on line 62: javac read `(int [] a)` as a lambda.") \
        == "javac read `(int [] a)` as a lambda."


def test_the_models_pointer_sentence_is_not_shown():
    """The Where line names the token (checked); the fine-tuned model's "The compiler points at `x`." was the
    sentence it garbled most in the audit ("points at `()`" for `)`), so the hover leaves it out."""
    from error_tutor_server.prompt import without_pointer_sentences

    text = ("Missing colon on line 2: Python expected a `:` at the marked spot. The compiler points at `()`. "
            "Lines that start a block end with a colon.")
    assert without_pointer_sentences(text) == ("Missing colon on line 2: Python expected a `:` at the marked spot. "
                                               "Lines that start a block end with a colon.")
    assert without_pointer_sentences("The compiler points at `x`. Then more.") == "Then more."
    assert without_pointer_sentences("It says where the compiler points at nothing.") == "It says where the compiler points at nothing."


def test_a_facts_name_copied_from_the_prompt_is_not_shown():
    """`make demo`'s grades.py, 2026-11-30: "...on line 2. Likely cause: Lines that start a block...": the
    prompt's own field names are left out of the hover, the sentence kept."""
    from error_tutor_server.prompt import without_fact_keys

    text = "Python expected a `:` on line 2. Likely cause: Lines that start a block end with a colon."
    assert without_fact_keys(text) == "Python expected a `:` on line 2. Lines that start a block end with a colon."
    assert without_fact_keys("Meaning: `x` is unused.") == "`x` is unused."
    assert without_fact_keys("The Concept: stays inside a sentence.") == "The Concept: stays inside a sentence."


def backend(fine_tuned: bool):
    """What ``Tutor.judge`` and ``Tutor.prompt`` read of a backend: pure logic, no model."""
    return SimpleNamespace(fine_tuned=fine_tuned, name="tuned" if fine_tuned else "base", loaded=True, prompt_facts="full")


def test_a_fine_tuned_models_meaning_is_shown_with_the_guides_own_why():
    """A fine-tuned model's answer opens with its label and what the message means for this code; the why its
    training targets go on with was the prompt's "Likely cause" copied, or garbled. The hover shows the guide's
    own why after the model's first sentence, and generation stops once that sentence is complete."""
    from error_tutor_server.case import Case
    from error_tutor_server.prompt import said_enough, shown_sentences
    from error_tutor_server.render import render_markdown
    from error_tutor_server.settings import TutorSettings
    from error_tutor_server.tutor import Tutor

    case = Case.of(DIAG, PROGRAM)
    tutor = Tutor(TutorSettings(), backend(fine_tuned=True))
    garbled = ("Missing semicolon on line 4: the declaration of `total` does not end with a semicolon, so C reads on "
               "into `printf` on the next line. Missing colon, or else if written instead of elif, causes this.")
    shown = tutor.judge(case, garbled, "stop")
    assert shown.source == "model", shown.note
    assert shown.meaning == ("The declaration of `total` does not end with a semicolon, so C reads on into `printf` "
                             "on the next line.")
    assert shown.why == case.classification.why != ""
    assert "elif" not in render_markdown(shown, DIAG, PROGRAM, "en", panel=True)
    untuned = Tutor(TutorSettings(), backend(fine_tuned=False))
    assert untuned.judge(case, garbled, "stop").why == "", "an untuned model's own sentences stand as they are"
    messages = tutor.prompt(case)[0]
    assert messages[-1]["role"] == "assistant" and shown_sentences(messages) == 1
    assert shown_sentences(messages[:-1]) == 3
    assert said_enough("Missing semicolon on line 4: `total` has no `;` after it. In", 1)
    assert not said_enough("Missing semicolon on line 4: `total` has no `;` after it.", 1)


def test_the_guides_why_is_not_added_to_a_model_sentence_that_already_says_it():
    """The model sometimes goes from its label straight to the rule's why: the hover then shows that sentence
    alone, not the same words twice (which the checks would refuse as repetition)."""
    from error_tutor_server.case import Case
    from error_tutor_server.settings import TutorSettings
    from error_tutor_server.tutor import Tutor, why_after

    case = Case.of(DIAG, PROGRAM)
    why = case.classification.why
    assert why_after("Missing semicolon on line 4: " + why[0].lower() + why[1:], why) == ""
    assert why_after("Missing semicolon on line 4: `total` has no `;` after it.", why) == why
    said = Tutor(TutorSettings(), backend(fine_tuned=True)).judge(case, f"Missing semicolon on line 4: before `printf`, {why[0].lower()}{why[1:]}",
                                               "stop")
    assert said.source == "model" and said.why == "", said.note


def test_a_line_the_facts_name_may_be_named_by_the_model():
    """The meaning given to the model names the line where the function opens; the model copying it names a
    fact, not a made-up line. Any other line is still refused."""
    from error_tutor_server.case import Case
    from error_tutor_server.settings import TutorSettings
    from error_tutor_server.tutor import Tutor

    program = '#include <stdio.h>\nint main() {\n    int x = 1;\n    if (x) {\n        printf("a");\n    }}\n    return 0;\n}\n'
    case = Case.of(CompilerDiagnostic("c", 7, 5, 7, 11, "error", "expected identifier or '(' before 'return'",
                                      source_line="    return 0;"), program)
    assert "line 2" in case.classification.meaning and 2 not in case.lines
    tuned = Tutor(TutorSettings(), backend(fine_tuned=True))
    text = "Code outside function on line 6: the `}}` on line {} ends `main`, whose `{{` is on line {}, before `return`."
    assert tuned.judge(case, text.format(6, 2), "stop").source == "model"
    refused = tuned.judge(case, text.format(6, 4), "stop")
    assert refused.source == "rules" and "names line 4" in refused.note


def test_where_names_the_token_only_on_the_line_the_compiler_stopped_at_it():
    """gcc stopped at the `int` that starts line 6; line 5 (quoted: the declaration to end) has its own `int`."""
    from error_tutor_server.case import Explanation
    from error_tutor_server.render import where_text

    program = "int main(void)\n{\n    int total = 0;\n    int rate = 1.5\n    int count = 2;\n}\n"
    stopped = Explanation("x.", "", "rules", "missing-semicolon", 4, "int", "", "", token_line=5)
    assert where_text(stopped, program, "en") == "**Where:** line 4: `int rate = 1.5`"
    unknown = Explanation("x.", "", "rules", "missing-semicolon", 4, "int", "", "")
    assert where_text(unknown, program, "en") == "**Where:** line 4: `int rate = 1.5` (at `int`)"
    same = Explanation("x.", "", "rules", "undeclared-identifier", 5, "count", "", "", token_line=5)
    assert where_text(same, program, "en").endswith("(at `count`)")
