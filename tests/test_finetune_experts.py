"""The Python expert teacher (friendly-traceback on the student's program) and the ranking of drafts by the
student's loss (ARTE): what a training target of the data build says, and which of its right drafts is kept."""

from __future__ import annotations

import math

import pytest

from error_tutor_finetune.data import compile_program
from error_tutor_finetune.experts import friendly_explanation
from error_tutor_finetune.ranking import StudentRanker, choose
from error_tutor_finetune.teachers import RulesTeacher
from error_tutor_server.case import Case
from error_tutor_server.prompt import answer_label
from error_tutor_server.settings import TutorSettings

SETTINGS = TutorSettings(locale="en")
NO_COLON = "def average(numbers)\n    total = 0\n    for n in numbers:\n        total = total + n\n    return total\n"
TYPO = "x = 10\nwhiel x > 1:\n    x = x - 1\n"
UNCLOSED = "values = [1, 2,\ntotal = 3\n"
NOT_INDENTED = "for n in range(3):\nprint(n)\n"


def python_error(program: str):
    errors = [d for d in compile_program("python", program, SETTINGS) if d.severity == "error"]
    assert errors, program
    return errors[0]


def test_friendly_says_in_words_what_the_student_wrote():
    said = friendly_explanation(NO_COLON)
    assert "`def`" in said and "colon" in said
    assert friendly_explanation("total = 1\nprint(total)\n") == ""  # nothing to explain


def test_friendlys_code_excerpts_and_pointers_to_them_are_left_out():
    unclosed = friendly_explanation(UNCLOSED)
    assert "`[`" in unclosed and "1, 2" not in unclosed and "^" not in unclosed
    indented = friendly_explanation(NOT_INDENTED)
    assert "Line 2 " in indented and "identified above" not in indented


def test_a_python_target_leads_with_the_experts_words_after_its_label():
    diagnostic = python_error(NO_COLON)
    target, result = RulesTeacher().target(diagnostic, NO_COLON, "def average(numbers):", friendly_explanation(NO_COLON))
    assert result.ok, result.reasons
    assert target.teacher == "expert"
    label = answer_label(Case.of(diagnostic, NO_COLON).classification, diagnostic.line)
    assert target.explanation.startswith(label) and "`def`" in target.explanation


def test_the_experts_sentence_that_gives_the_fix_is_never_taught():
    expert = friendly_explanation(TYPO)
    assert "while x > 1:" in expert  # friendly-traceback writes the corrected line
    target, result = RulesTeacher().target(python_error(TYPO), TYPO, "while x > 1:", expert)
    assert result.ok and "while x > 1:" not in target.text()


class Losses:
    """Fixed losses by draft text: the ranking logic without a model (a unit test of pure logic)."""

    name = "fixed"

    def __init__(self, by_text):
        self.by_text = by_text
        self.asked = []

    def losses(self, case, drafts):
        self.asked.append(list(drafts))
        return [self.by_text(draft) for draft in drafts]


def test_the_lowest_loss_draft_is_kept_only_where_the_shown_sentence_differs():
    case = Case.of(python_error(NO_COLON), NO_COLON)
    drafts = ["Missing colon on line 1: One way. Why.", "Missing colon on line 1: Another way."]
    ranker = Losses(lambda text: 1.0 if "One" in text else 0.5)
    assert choose(case, drafts, ["One way.", "Another way."], ranker) == (1, [1.0, 0.5])
    assert choose(case, drafts, ["One way.", "One way."], ranker) == (0, [])
    assert choose(case, drafts, ["One way.", "Another way."], None) == (0, [])
    assert len(ranker.asked) == 1  # no forward pass where nothing differs


def test_ranking_never_trades_the_experts_words_for_the_rules():
    """The rules' drafts would have the lowest loss; the expert's still lead (ranked among themselves)."""
    diagnostic, expert = python_error(TYPO), friendly_explanation(TYPO)
    ranker = Losses(lambda text: 0.1 if "Perhaps" not in text else 2.0)
    target, result = RulesTeacher(ranker).target(diagnostic, TYPO, "while x > 1:", expert)
    assert result.ok and target.teacher.startswith("expert") and "Perhaps" in target.text()


@pytest.mark.slow
def test_the_student_base_finds_a_grounded_target_easier_than_noise():
    """The real SmolLM2 base: its loss on the rules' target is below its loss on the same words shuffled."""
    diagnostic = python_error(NO_COLON)
    target, _ = RulesTeacher().target(diagnostic, NO_COLON, "def average(numbers):", friendly_explanation(NO_COLON))
    words = target.text().split()
    shuffled = " ".join(words[::2] + words[1::2][::-1])
    losses = StudentRanker(threads=1).losses(Case.of(diagnostic, NO_COLON), [target.text(), shuffled])
    assert all(math.isfinite(loss) and loss > 0 for loss in losses)
    assert losses[0] < losses[1] - 0.5, losses
