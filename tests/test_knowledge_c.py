"""The C knowledge base against real student programs (TRACER), with gcc 12 and clang messages."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import corpus_path
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import TEXT_FIELDS, classify, c_rules, token_before

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
CORPUS = CORPORA / "c_tracer.jsonl"
RULES = c_rules.RULES
COMPILERS = ("gcc12_message", "compiler_message")  # gcc 12.2 and clang, as recorded

_LINE = re.compile(r"^[^:\n]+\.c:(?P<line>\d+):(?P<col>\d+): (?P<sev>fatal error|error|warning): (?P<msg>.*)$",
                   re.MULTILINE)
_SUFFIX = re.compile(r"\s*\[(?:-W[^\]]*|enabled by default)\]$")


@lru_cache(maxsize=None)
def _cases() -> tuple[dict, ...]:
    corpus_path(CORPUS.name)
    return tuple(json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip())


@lru_cache(maxsize=None)
def _diagnostics(compiler: str) -> tuple[tuple[dict, CompilerDiagnostic], ...]:
    """Every error and warning of every case, as the server would hand it to classify()."""
    result = []
    for case in _cases():
        for m in _LINE.finditer(case[compiler]):
            line, col = int(m["line"]), int(m["col"])
            diagnostic = CompilerDiagnostic(
                language="c", line=line, column=col, end_line=line, end_column=col + 1,
                severity="warning" if m["sev"] == "warning" else "error", message=_SUFFIX.sub("", m["msg"]).strip())
            result.append((case, diagnostic.with_source(case["source"])))
    return tuple(result)


def _errors(compiler: str) -> list[CompilerDiagnostic]:
    return [d for _, d in _diagnostics(compiler) if d.severity == "error"]


def _first_errors(compiler: str) -> list[tuple[dict, CompilerDiagnostic]]:
    seen, result = set(), []
    for case, diagnostic in _diagnostics(compiler):
        if diagnostic.severity == "error" and case["id"] not in seen:
            seen.add(case["id"])
            result.append((case, diagnostic))
    return result


def _kind(message: str) -> str:
    """A message with quoted names and numbers blanked out (quoted symbols kept), to count kinds of error."""
    message = re.sub(r"'([^'\n]*)'", lambda m: "Q" if re.search(r"\w", m[1]) else m[0],
                     message.replace("‘", "'").replace("’", "'"))
    return re.sub(r"\b\d+\b", "N", message)


def test_the_most_frequent_rules_are_translated():
    counts = Counter(classify(d).rule_id for compiler in COMPILERS for _, d in _first_errors(compiler))
    top = [rule_id for rule_id, _ in counts.most_common() if rule_id != "c.other"][:15]
    by_id = {rule.id: rule for rule in RULES}
    missing = [rule_id for rule_id in top if set(by_id[rule_id].translations.get("ja", {})) < {"meaning", "why", "hint"}]
    assert not missing


@pytest.mark.parametrize("compiler", COMPILERS)
def test_first_errors_are_matched_by_a_specific_rule(compiler):
    firsts = _first_errors(compiler)
    assert len(firsts) > 900
    missed = [d.message for _, d in firsts if not classify(d).matched]
    assert 1 - len(missed) / len(firsts) >= 0.98, missed


@pytest.mark.parametrize("compiler, top", [("gcc12_message", 40), ("compiler_message", 30)])
def test_every_frequent_kind_of_error_is_matched(compiler, top):
    errors = _errors(compiler)
    kinds = [kind for kind, _ in Counter(_kind(d.message) for d in errors).most_common(top)]
    assert len(kinds) == top
    missed = {_kind(d.message) for d in errors if _kind(d.message) in kinds and not classify(d).matched}
    assert not missed


@pytest.mark.parametrize("compiler", COMPILERS)
def test_tokens_come_from_the_source_line(compiler):
    firsts = _first_errors(compiler)
    found = sum(1 for _, d in firsts if (token := classify(d).token) and token in d.source_line)
    assert found / len(firsts) >= 0.75


def _fixed_lines(case: dict) -> set[str]:
    """The student's own corrected line, exactly and with spacing removed (single symbols aside)."""
    fixed, broken = case["student_fixed_line"].strip(), case["source_error_line"].strip()
    if not fixed or fixed == broken or len(fixed.split()) < 2:
        return set()
    return {fixed, re.sub(r"\s+", "", fixed)}


def test_hints_and_fixes_never_contain_the_students_fixed_line():
    for compiler in COMPILERS:
        for case, diagnostic in _diagnostics(compiler):
            lines = _fixed_lines(case)
            if not lines:
                continue
            for locale in ("en", "ja"):
                result = classify(diagnostic, locale)
                for text in (result.hint, result.fix):
                    for line in lines:
                        assert line not in text and line not in re.sub(r"\s+", "", text), (case["id"], line, text)


_CODE_IN_BACKTICKS = re.compile(r"`([^`]+)`")


def test_hints_and_fixes_name_single_symbols_only():
    for rule in RULES:
        texts = [rule.hint, rule.fix] + [t.get(k, "") for t in rule.translations.values() for k in ("hint", "fix")]
        for text in texts:
            for span in _CODE_IN_BACKTICKS.findall(text):
                assert len(span) <= 12 and span.count(" ") <= 1, (rule.id, span)


def test_texts_are_filled_for_every_corpus_message():
    for compiler in COMPILERS:
        for _, diagnostic in _diagnostics(compiler):
            for locale in ("en", "ja"):
                result = classify(diagnostic, locale)
                for name in TEXT_FIELDS:
                    text = getattr(result, name)
                    assert not re.search(r"\{[a-z_]+\}", text), (result.rule_id, name, text)
                    if diagnostic.source_line.strip():
                        assert "``" not in text, (result.rule_id, name, diagnostic.message, diagnostic.source_line)


def test_ascii_quotes_classify_like_typographic_ones():
    # The server runs gcc with LC_ALL=C, which prints 'x' where the corpus has ‘x’.
    for _, diagnostic in _diagnostics("gcc12_message"):
        if "‘" not in diagnostic.message:
            continue
        ascii_message = diagnostic.message.replace("‘", "'").replace("’", "'")
        plain = classify(CompilerDiagnostic(**{**diagnostic.to_dict(), "message": ascii_message}))
        fancy = classify(diagnostic)
        assert (plain.rule_id, plain.token) == (fancy.rule_id, fancy.token), diagnostic.message


def _classify(message: str, source_line: str = "x = y;", column: int = 1, notes: tuple[str, ...] = ()):
    return classify(CompilerDiagnostic(language="c", line=3, column=column, end_line=3, end_column=column + 1,
                                       severity="error", message=message, source_line=source_line, notes=notes))


@pytest.mark.parametrize("message, expected", [
    # gcc (LC_ALL=C quoting)
    ("expected ';' before '}' token", "c.missing-semicolon"),
    ("expected ',' or ';' before 'int'", "c.missing-semicolon"),
    ("expected ';' before ')' token", "c.extra-closing-paren"),
    ("expected ')' before ';' token", "c.missing-closing-paren"),
    ("expected declaration or statement at end of input", "c.unclosed-brace"),
    ("expected identifier or '(' before '}' token", "c.extra-closing-brace"),
    ("expected identifier or '(' before 'return'", "c.code-outside-function"),
    ("expected expression before ')' token", "c.expected-expression"),
    ("'count' undeclared (first use in this function)", "c.undeclared-identifier"),
    ("'cout' undeclared (first use in this function); did you mean 'count'?", "c.undeclared-did-you-mean"),
    ("stray '\\302' in program", "c.stray-character"),
    ("stray '#' in program", "c.stray-character"),
    ("lvalue required as left operand of assignment", "c.lvalue-required"),
    ("lvalue required as increment operand", "c.lvalue-required"),
    ("lvalue required as unary '&' operand", "c.address-of-value"),  # not about `=` (audit, 2026-11-30)
    ("cannot take the address of an rvalue of type 'int *'", "c.address-of-value"),
    ("too few arguments to function 'sum'", "c.too-few-arguments"),
    ("too many arguments to function 'sum'", "c.too-many-arguments"),
    ("conflicting types for 'f'; have 'int(int)'", "c.conflicting-types"),
    ("redefinition of 'i'", "c.redefinition"),
    ("redeclaration of 'n' with no linkage", "c.redefinition"),
    ("'else' without a previous 'if'", "c.else-without-if"),
    ("expected '=', ',', ';', 'asm' or '__attribute__' before '{' token", "c.bad-function-header"),
    ("invalid operands to binary & (have 'char *' and 'int')", "c.missing-comma-before-ampersand"),
    ("invalid operands to binary ^ (have 'double' and 'int')", "c.caret-not-power"),
    ("invalid operands to binary % (have 'double' and 'int')", "c.invalid-operands"),
    ("subscripted value is neither array nor pointer nor vector", "c.subscript-not-array"),
    ("missing terminating \" character", "c.unterminated-string"),
    ("stdioh: No such file or directory", "c.missing-header"),
    ("unknown type name 'string'", "c.unknown-type"),
    ("break statement not within loop or switch", "c.jump-outside-loop"),
    # gcc warnings novices should read
    ("suggest parentheses around assignment used as truth value", "c.assignment-as-condition"),
    ("format '%d' expects argument of type 'int *', but argument 2 has type 'int'", "c.format-mismatch"),
    ("format '%f' expects a matching 'double' argument", "c.format-missing-argument"),
    ("too many arguments for format", "c.format-extra-arguments"),
    ("'sum' is used uninitialized", "c.uninitialized"),
    ("'sum' may be used uninitialized", "c.uninitialized"),
    ("'sum' may be used uninitialized in this function", "c.uninitialized"),
    ("control reaches end of non-void function", "c.missing-return"),
    ("ignoring return value of 'scanf' declared with attribute 'warn_unused_result'", "c.unused-result"),
    ("implicit declaration of function 'sqrt'", "c.implicit-declaration"),
    ("implicit declaration of function 'prinf'; did you mean 'printf'?", "c.implicit-declaration"),
    ("incompatible implicit declaration of built-in function 'strlen'", "c.implicit-declaration"),
    ("assignment to 'int' from 'int *' makes integer from pointer without a cast", "c.int-pointer-conversion"),
    ("passing argument 1 of 'f' from incompatible pointer type", "c.incompatible-pointers"),
    ("unused variable 'k'", "c.unused-variable"),
    ("variable 'k' set but not used", "c.unused-variable"),
    ("comparison between pointer and integer", "c.pointer-integer-comparison"),
    ("array subscript 10 is above array bounds of 'int[10]'", "c.array-bounds"),
    ("array subscript has type 'char'", "c.char-subscript"),
    ("'return' with no value, in function returning non-void", "c.return-missing-value"),
    ("'return' with a value, in function returning void", "c.return-value-in-void"),
    ("comparisons like 'X<=Y<=Z' do not have their mathematical meaning", "c.chained-comparison"),
    ("this 'if' clause does not guard...", "c.misleading-indentation"),
    ("statement with no effect", "c.no-effect"),
    ("left-hand operand of comma expression has no effect", "c.comma-expression"),
    ("multi-character character constant", "c.multichar-constant"),
    # clang
    ("expected ';' after expression", "c.missing-semicolon"),
    ("expected ';' at end of declaration", "c.missing-semicolon"),
    ("expected ';' in 'for' statement specifier", "c.for-header-separator"),
    ("expected ';' after struct", "c.struct-missing-semicolon"),
    ("expected ')'", "c.missing-closing-paren"),
    ("expected '}'", "c.unclosed-brace"),
    ("extraneous closing brace ('}')", "c.extra-closing-brace"),
    ("extraneous ')' before ';'", "c.extra-closing-paren"),
    ("expected expression", "c.expected-expression"),
    ("expected identifier or '('", "c.code-outside-function"),
    ("use of undeclared identifier 'count'", "c.undeclared-identifier"),
    ("use of undeclared identifier 'cout'; did you mean 'count'?", "c.undeclared-did-you-mean"),
    ("expression is not assignable", "c.lvalue-required"),
    ("invalid operands to binary expression ('char *' and 'int')", "c.missing-comma-before-ampersand"),
    ("called object type 'int' is not a function or function pointer", "c.not-a-function"),
    ("too few arguments to function call, expected 3, have 2", "c.too-few-arguments"),
    ("redefinition of 'x' with a different type: 'char' vs 'int'", "c.conflicting-types"),
    ("using the result of an assignment as a condition without parentheses", "c.assignment-as-condition"),
    ("format specifies type 'int *' but the argument has type 'int'", "c.format-mismatch"),
    ("variable 'sum' is uninitialized when used here", "c.uninitialized"),
    ("variable 'sum' may be uninitialized when used here", "c.uninitialized"),
    ("variable 'sum' is used uninitialized whenever 'if' condition is false", "c.uninitialized"),
    ("non-void function 'f' should return a value", "c.return-missing-value"),
    ("control may reach end of non-void function", "c.missing-return"),
    ("ignoring return value of function declared with 'warn_unused_result' attribute", "c.unused-result"),
    ("implicit declaration of function 'sqrt' is invalid in C99", "c.implicit-declaration"),
    ("call to undeclared function 'sqrt'; ISO C99 and later do not support implicit function declarations",
     "c.implicit-declaration"),
    ("incompatible integer to pointer conversion passing 'int' to parameter of type 'int *'", "c.int-pointer-conversion"),
    ("ordered comparison between pointer and integer ('int' and 'int *')", "c.pointer-integer-comparison"),
    ("array index 5 is past the end of the array (which contains 5 elements)", "c.array-bounds"),
    ("'stlib.h' file not found", "c.missing-header"),
    ("something no rule knows about", "c.other"),
])
def test_messages_from_gcc_and_clang(message, expected):
    assert _classify(message).rule_id == expected


def test_an_initialized_variable_size_array_is_not_named_by_its_brace():
    """gcc points at the initializer's `{`: the meaning must not call that brace the array (audit, 2026-11-30)."""
    found = _classify("variable-sized object may not be initialized", "    int a[n] = {0};", column=16)
    assert found.rule_id == "c.variable-size-initialized" and "`{`" not in found.meaning, found.meaning
    assert _classify("array size missing in 'a'").rule_id == "c.array-size"


def test_named_tokens_come_from_the_message():
    assert _classify("'cnt' undeclared (first use in this function)", "cnt = cnt + 1;").token == "cnt"
    assert _classify("use of undeclared identifier 'cnt'", "cnt = cnt + 1;").token == "cnt"
    assert _classify("expected ')' before 'is'", "printf(\"%d\", a is b);", 15).token == "is"
    assert _classify("stray '\\302' in program", "x = 1;").token == "\\302"
    assert _classify("too few arguments to function 'sum'", "s = sum(a);").token == "sum"
    result = _classify("'cout' undeclared (first use in this function); did you mean 'count'?", "cout++;")
    assert (result.token, result.rule_id) == ("cout", "c.undeclared-did-you-mean")
    assert "count" in result.hint
    format_result = _classify("format '%d' expects argument of type 'int *', but argument 2 has type 'int'",
                              "scanf(\"%d\", n);")
    assert "int *" in format_result.meaning and "`int`" in format_result.meaning


def test_notes_do_not_hijack_the_message():
    result = _classify("using the result of an assignment as a condition without parentheses", "if (a = b)",
                       notes=("place parentheses around the assignment to silence this warning",
                              "use '==' to turn this assignment into an equality comparison"))
    assert result.rule_id == "c.assignment-as-condition"
    result = _classify("implicit declaration of function 'malloc'", "p = malloc(8);",
                       notes=("include '<stdlib.h>' or provide a declaration of 'malloc'",))
    assert (result.rule_id, result.token) == ("c.implicit-declaration", "malloc")
    assert _classify("expected '}'", "}", notes=("to match this '{'",)).rule_id == "c.unclosed-brace"


def test_the_token_before_the_offending_one():
    assert token_before("    if(n>0||){", 13, ")") == "||"  # the column of `)`
    assert token_before("int i,N=;", 9, ";") == "="
    assert token_before("}", 1, "}") == ""  # the first token of its line
    assert token_before("int i,N=;", 9, "N") == ""  # not the token at the column


def _first_case(program: str):
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    return Case.of(diagnose_sync("c", program, TutorSettings(), filename="prog.c")[0], program)


def test_a_paren_that_closes_an_open_one_is_not_called_extra():
    """Found by the audit of rule texts: `for (int j = 0; j < n)` is short of a `;`, its `)` is not extra."""
    header = _first_case("int main(void)\n{\n    int n = 5;\n    for (int j = 0; j < n) {\n    }\n    return 0;\n}\n")
    assert header.classification.rule_id == "c.missing-semicolon"  # its category too (a fine-tuned model's label)
    assert "does not close any" not in header.classification.meaning and "closes a `(`" in header.classification.meaning
    extra = _first_case("int main(void)\n{\n    int a = 1;\n    if (a > 0)) {\n    }\n    return 0;\n}\n")
    assert "does not close any `(`" in extra.classification.meaning, "a real extra `)` keeps its text"


def test_struct_without_its_name_is_not_an_incomplete_type():
    """Found by the audit of rule texts: `(struct*)` lacks the struct's name; nothing is used before its definition."""
    case = _first_case("#include <stdlib.h>\nint main(void)\n{\n    int *p = (struct*)malloc(8);\n    return 0;\n}\n")
    assert case.classification.rule_id == "c.incomplete-type"
    assert "`struct` is followed by `*`" in case.classification.meaning
    assert "before its full definition" not in case.classification.meaning


def _c_case(program: str, message_part: str, locale: str = "en"):
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    [diagnostic] = [d for d in diagnose_sync("c", program, TutorSettings(), filename="prog.c") if message_part in d.message]
    return Case.of(diagnostic, program, locale)


@pytest.mark.parametrize("body, keyword, at", [
    ("    if (n > 0)\n        x = 1;\n    else\n\n}\n", "else", 6),
    ("    if (n > 0) x = 1;\n    else // nothing yet\n    /* still nothing */\n}\n", "else", 5),
    ("    if (n > 0 &&\n        x == 0)\n}\n", "if", 4),
    ("    for (int i = 0; i < n; i++)\n}\n", "for", 4),
    ("    while (n > 0) }\n", "while", 4),
])
def test_a_control_statement_without_a_body_before_a_brace_is_named(body, keyword, at):
    """Found by the audit of rule texts: an `else` with nothing before the `}` was blamed on an operator that
    misses its operand."""
    from error_tutor_server.contracts import contract_violations

    program = "int main(void)\n{\n    int n = 3, x = 0;\n" + body
    case = _c_case(program, "expected expression before")
    found = case.classification
    line = case.diagnostic.line
    assert f"The `{keyword}` on line {at} has no statement before the `}}` on line {line}" in found.meaning
    assert "operand" not in found.why and f"`{keyword}` on line {at}" in found.hint
    assert not contract_violations("\n".join((found.meaning, found.why, found.hint)), case)
    assert f"{at} 行目の `{keyword}`" in _c_case(program, "expected expression before", "ja").classification.meaning


def test_a_brace_after_a_finished_statement_keeps_the_operand_text():
    case = _c_case("int main(void)\n{\n    int x = 1;\n    x = x +\n}\n", "expected expression before")
    assert "has no statement" not in case.classification.meaning and "before `}`" in case.classification.meaning


def test_an_unfinished_declaration_is_named_by_the_line_it_is_on():
    """Found by the audit of rule texts: `struct birth_d` on line 21 with `return` on line 22 was explained as
    "the declaration on line 22", against its own Where line."""
    program = "#include <stdlib.h>\nint main(void)\n{\n    struct birth_d\n    return 0;\n}\n"
    case = _c_case(program, "expected identifier or")
    found = case.classification
    assert (case.diagnostic.line, case.line) == (5, 4)  # gcc's line, and the line the explanation points at
    assert "The declaration on line 4, inside a function, is unfinished" in found.meaning
    assert "`return` on line 5" in found.meaning
    assert "declaration on line 4" in found.hint and "line 5" not in found.hint
    assert "4 行目の宣言" in _c_case(program, "expected identifier or", "ja").classification.hint
    same_line = _c_case("int main(void)\n{\n    int a, b,;\n    return 0;\n}\n", "expected identifier or")
    assert "declaration on line 3" in same_line.classification.hint and same_line.line == 3


def test_a_statement_after_a_brace_that_ends_the_function_is_not_called_a_declaration():
    """`} return n;`: gcc takes the function to have ended at the `}`; there is no declaration to fix."""
    from error_tutor_server.contracts import contract_violations

    case = _c_case("int main(void)\n{\n    int n = 1;\n    } return n;\n}\n", "before 'return'")
    found = case.classification
    assert "the function's body had already ended" in found.meaning and "is the word after the type" not in found.hint
    assert "`}`" in found.hint and not contract_violations("\n".join((found.meaning, found.why, found.hint)), case)


_BRACE_PROGRAMS = {  # gcc: "expected identifier or '(' before '}' token" on the last line
    "commented-out opener": "int main(void)\n{\n    int total = 0;\n    /* for (int i = 0; i < 3; i++) {\n"
                            "        total += i; */\n    }\n\n}\n",
    "one too many at the end": "int main(void)\n{\n    int n = 0;\n    while (n < 3) {\n        n++;\n    }\n"
                               "    return n;\n}\n}\n",
    "a block closed twice": "int main(void)\n{\n    int n = 0;\n    if (n == 0) {\n        if (n < 1) {\n"
                            "            n = 1;\n        }\n        }\n    }\n}\n",
    "a header without its brace": "int main(void)\n{\n    int n = 3;\n    if (n > 0) // {\n        n = n - 1;\n    }\n\n}\n",
}


@pytest.mark.parametrize("name, pointed, closed, says", [
    ("commented-out opener", 6, 6, "The `}` on line 6 ends the function `main`, whose `{` is on line 2"),
    ("one too many at the end", 9, 8, "the function already ends at the `}` on line 8"),
    ("a block closed twice", 8, 9, "the `}` one too many is probably the one on line 8"),
    ("a header without its brace", 4, 6, "The `if` on line 4 has no `{`"),
])
def test_a_brace_that_closes_nothing_is_explained_for_the_line_pointed_at(name, pointed, closed, says):
    """Found by the audit of rule texts: pointed at the `}` that ends `main` early, the text said that this `}` closes
    no block. The text now says what holds of the line pointed at, matching braces from the function's `{`."""
    from error_tutor_server.contracts import contract_violations

    program = _BRACE_PROGRAMS[name]
    case = _c_case(program, "expected identifier or '(' before '}'")
    found = case.classification
    assert case.line == pointed and f"line {case.diagnostic.line}" in found.meaning
    assert says in found.meaning and f"line {closed}" in found.meaning
    if pointed != case.diagnostic.line:
        assert f"The `}}` on line {pointed} does not close" not in found.meaning
    assert f"line {min(pointed, closed)}" in found.hint and not contract_violations("\n".join((found.meaning, found.why, found.hint)), case)
    assert f"{closed} 行目" in _c_case(program, "expected identifier or '(' before '}'", "ja").classification.meaning


def test_a_brace_that_closes_nothing_after_no_function_keeps_the_general_text():
    case = _c_case("int n;\n}\nint main(void)\n{\n    return n;\n}\n", "expected identifier or '(' before '}'")
    assert case.classification.meaning == "The `}` on line 2 does not close any open block, so it is outside every function."


@pytest.mark.parametrize("note, message", [("    we add up the marks of every student here\n", "unknown type name"),
                                           ("    sum holds the marks so far\n", "expected ';'")])
def test_a_line_of_plain_words_is_explained_as_a_note_without_its_comment_mark(note, message):
    """gcc reads a line of English words as a declaration ("unknown type name", "expected ';' before ..."): the
    text says the line is a note that lacks its comment mark, not that a type or a `;` is missing."""
    program = "int main(void)\n{\n    int sum = 0;\n" + note + "    return sum;\n}\n"
    case = _c_case(program, message)
    assert case.diagnostic.line == 4
    assert "run of plain words" in case.classification.meaning and "`//`" in case.classification.why
    code = _first_case("int main(void)\n{\n    int sum = 0\n    return sum;\n}\n")  # code keeps the rule's own text
    assert "plain words" not in code.classification.meaning


def test_a_statement_after_a_function_closed_early_names_its_own_line_and_the_closing_brace():
    """`}printf(...);}` ends `main` early; gcc reports the `return` three lines below (audit: the text pointed at the
    closing line and said `return` was found there). The meaning names the compiler's line and the `}` before it."""
    program = ("#include <stdio.h>\nint main(void)\n{\n    int total = 0;\n    while (total < 4) {\n        total++;\n"
               "    }puts(\"done\");}\n\n    return total;\n}\n")
    case = _c_case(program, "before 'return'")
    found = case.classification
    assert case.diagnostic.line == 9 and found.token == "return"
    assert "`return` on line 9 outside any function" in found.meaning, found.meaning
    assert "opens `main` on line 3" in found.meaning and "`}` on line 7" in found.meaning
    assert "9 行目の `return`" in _c_case(program, "before 'return'", "ja").classification.meaning
    stray = _c_case("int main(void)\n{\n    return 0;\n}\nint a, ;\n", "expected identifier")
    assert "already ends" not in stray.classification.meaning  # a broken declaration keeps the general text


def _texts(found) -> str:
    return "\n".join((found.meaning, found.why, found.hint))


@pytest.mark.parametrize("line, token, says", [
    ("    while (p > q).  /* loop */\n        q++;\n", ".", "right after the condition of the `while`, where"),
    ("    if (p > 1) , q = 2;\n", ",", "right after the condition of the `if`, where"),
    ("    .q = 3;\n", ".", "The `.` on line 4 begins a statement:"),
    ("    if (p > 0 &&\n        q < 5)\n        , q++;\n", ",", "right after the condition of the `if` on line 4, where"),
])
def test_a_stray_mark_after_a_condition_or_at_a_statements_start_is_not_an_operand_missing(line, token, says):
    """Found by the audit of rule texts: `if(a==1&&b==1).//comment` was explained as an operator without its operand;
    the `.` is a stray mark where the statement the condition controls (or any statement) begins."""
    from error_tutor_server.contracts import contract_violations

    program = "int main(void)\n{\n    int p = 2, q = 0;\n" + line + "    return q;\n}\n"
    case = _c_case(program, f"expected expression before '{token}'")
    found = case.classification
    assert found.token == token and says in found.meaning, found.meaning
    assert "operand" not in found.why and "operator" not in found.hint
    assert not contract_violations(_texts(found), case)
    assert "4 行目" in _c_case(program, f"expected expression before '{token}'", "ja").classification.meaning
    operand = _c_case("int main(void)\n{\n    int p = 2, q;\n    q = p * . ;\n    return q;\n}\n", "before '.'")
    assert "between `*` and `.`" in operand.classification.meaning  # an operator before it keeps the operand text


@pytest.mark.parametrize("line, token, call", [
    ("    v = (double*)malloc(4 * double);\n", "double", "malloc"),
    ("    printf(\"%d\\n\", unsigned);\n", "unsigned", "printf"),
    ("    v = calloc(3, struct tm);\n", "struct", "calloc"),
])
def test_a_type_name_where_a_value_belongs_is_named_as_a_type(line, token, call):
    """Found by the audit of rule texts: `calloc(50,char)` was explained as an operand missing; `char` is a type name
    written where a value (an argument) belongs."""
    from error_tutor_server.contracts import contract_violations

    program = "#include <stdio.h>\n#include <stdlib.h>\n#include <time.h>\nint main(void)\n{\n    double *v;\n" + line \
        + "    return 0;\n}\n"
    case = _c_case(program, f"expected expression before '{token}'")
    found = case.classification
    assert found.token == token and f"the type name `{token}` stands where a value" in found.meaning, found.meaning
    assert f"argument of `{call}`" in found.meaning and "operand" not in found.hint
    assert not contract_violations(_texts(found), case)
    assert f"`{token}`" in _c_case(program, f"expected expression before '{token}'", "ja").classification.meaning
    declaration = CompilerDiagnostic(language="c", line=4, column=5, end_line=4, end_column=6, severity="error",
                                     message="expected expression before 'int'", source_line="    int k = 0;")
    from error_tutor_server.case import Case
    general = Case.of(declaration, "int main(void)\n{\n    lbl:\n    int k = 0;\n}\n").classification
    assert "stands where a value" not in general.meaning  # a type that begins a declaration keeps the general text


@pytest.mark.parametrize("line, name, function, rest", [
    ("    r = fabs5 - 1.0;\n", "fabs5", "fabs", "5"),
    ("    r = powt;\n", "powt", "pow", "t"),
    ("    n = strlens;\n", "strlens", "strlen", "s"),
])
def test_a_library_function_glued_to_its_argument_is_named_as_a_function(line, name, function, rest):
    """Found by the audit of rule texts: `sqrt3` (gcc: did you mean 'sqrtl'?) was steered to a typo and the suggestion
    called a variable; the name is a library function with its argument written right after it."""
    from error_tutor_server.contracts import contract_violations

    program = ("#include <stdio.h>\n#include <string.h>\n#include <math.h>\nint main(void)\n{\n    int n;\n"
               "    char s[8] = \"ab\";\n    double r, t = 2.0;\n" + line + "    return n + s[0] + (int)r + (int)t;\n}\n")
    case = _c_case(program, f"'{name}' undeclared")
    found = case.classification
    assert f"begins with `{function}`, the name of a library function" in found.meaning, found.meaning
    assert f"`{rest}`" in found.meaning and "parentheses" in found.why and "variable" not in found.hint
    assert not contract_violations(_texts(found), case)
    assert f"`{function}`" in _c_case(program, f"'{name}' undeclared", "ja").classification.meaning


def test_a_suggested_function_is_named_as_a_function_and_a_suggested_variable_keeps_the_text():
    program = "#include <math.h>\nint main(void)\n{\n    double r, total = 1.0;\n    r = sqroot;\n    r = totl;\n" \
              "    return (int)(r + total);\n}\n"
    function = _c_case(program, "'sqroot' undeclared").classification
    assert "the function `sqrt`" in function.hint and "variable" not in _texts(function), _texts(function)
    variable = _c_case(program, "'totl' undeclared").classification
    assert "begins with" not in variable.meaning and "different variable" in variable.hint


@pytest.mark.parametrize("line", ["    while ((p > 0) && q))\n        q--;\n", "    if (p > (q + 1)))\n        q--;\n"])
def test_a_paren_too_many_after_a_condition_is_counted_not_blamed_on_a_for_header(line):
    """Found by the audit of rule texts: for `if('0'<=s[2] && s[2]<='9'))` the why said a `,` in a `for` header gives this
    message (gcc says "expected ';' before ')'" for that); the line has one `)` more than `(`."""
    from error_tutor_server.contracts import contract_violations

    program = "int main(void)\n{\n    int p = 2, q = 0;\n" + line + "    return q;\n}\n"
    case = _c_case(program, "expected statement before ')'")
    found = case.classification
    assert "one `)` too many" in found.meaning and "`for`" not in found.why, _texts(found)
    assert not contract_violations(_texts(found), case)
    assert "`)`" in _c_case(program, "expected statement before ')'", "ja").classification.meaning
    carried = "int main(void)\n{\n    int p = 2, q = 0;\n    if ((p > 0) &&\n        (q < 3)))\n        q--;\n    return q;\n}\n"
    general = _c_case(carried, "expected statement before ')'").classification  # a `(` opened on the line above
    assert "too many:" not in general.meaning and "`for`" not in general.why


@pytest.mark.parametrize("above, next_line", [("    double rate=1.5", "    int steps = 2;"),
                                             ("    char *label = \"hi\"", "\n    float width = 3;")])
def test_a_declaration_left_unended_is_named_above_the_token_gcc_stopped_at(above, next_line):
    """`expected ',' or ';' before 'int'` at the first token of a line: the declaration on the line before it is the
    one left open, and the token is named on the line where gcc stopped, not on the declaration's own line."""
    from error_tutor_server.contracts import contract_violations

    program = f"int main(void)\n{{\n{above}\n{next_line}\n    return 0;\n}}\n"
    case = _c_case(program, "expected ',' or ';'")
    found, stopped = case.classification, case.diagnostic.line
    assert found.rule_id == "c.missing-semicolon" and stopped > 3
    assert f"at the start of line {stopped}" in found.meaning and "declaration on line 3" in found.meaning
    assert "`;` or `,`" in found.meaning and not contract_violations(_texts(found), case)
    assert "3 行目の宣言" in _c_case(program, "expected ',' or ';'", "ja").classification.meaning
    inline = _c_case("int main(void)\n{\n    int steps = 2 int more = 3;\n    return 0;\n}\n", "expected ',' or ';'")
    assert "at the start of line" not in inline.classification.meaning  # gcc stopped mid-line: the rule's own text
