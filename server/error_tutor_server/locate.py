"""Where the mistake probably is, which is often not where the compiler noticed it.

Compilers notice a missing ``;`` at the next token, a missing ``}`` at the end of the file and an
extra ``}`` at the first statement that is left outside the function. People read indentation
instead: the brace the student forgot or added twice is the one whose insertion or removal makes
the braces agree with the indentation. ``likely_lines`` puts that line first; the compiler's
own line always stays in the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from error_tutor_server.diagnostics import CompilerDiagnostic

# messages reported at the token *after* the real mistake (typically the end of the previous line)
REPORTED_LATE = re.compile(r"expected\s+['‘]?[;,)\]}]|expected .* before|';' expected|expected ';'|"
                           r"missing terminating|was never closed|expected ':'", re.IGNORECASE)
# a `}` is missing somewhere above
MISSING_CLOSE = re.compile(r"at end of input|expected ['‘]}['’] before ['‘]else|expected ['‘]}['’]$", re.IGNORECASE)
# an early `}` closed the function: what follows is outside it
EXTRA_CLOSE = re.compile(r"expected identifier or ['‘]\(['’] before|expected declaration specifiers|"
                         r"extraneous closing brace", re.IGNORECASE)
# `else` with no `if`: often an `if (...);` whose empty statement ended the `if`
ELSE_WITHOUT_IF = re.compile(r"['‘]else['’] without a previous ['‘]if['’]|expected expression before ['‘]else", re.IGNORECASE)
# `break` outside a loop: often a `for (...);` or `while (...);` whose empty body ended the loop
JUMP_OUTSIDE_LOOP = re.compile(r"(?:break|continue) statement not within", re.IGNORECASE)
_LOOP_WITH_SEMICOLON = re.compile(r"^\s*(?:for|while)\s*\(.*\)\s*;\s*$")
_IF_WITH_SEMICOLON = re.compile(r"^\s*(?:}\s*)?(?:else\s+)?if\s*\(.*\)\s*;\s*$")
# gcc's words for a function header followed by something other than a body or `;`
HEADER_WITHOUT_BODY = re.compile(r"expected ['‘]=['’], ['‘],['’], ['‘];['’], ['‘]asm['’] or ['‘]__attribute__['’] before ['‘]{['’]")
_HEADER = re.compile(r"^\s*[A-Za-z_][\w\s*]*?\b[A-Za-z_]\w*\s*\([^;{}]*\)\s*$")
NOT_A_FUNCTION = re.compile(r"called object ['‘](\w+)['’] is not a function")
_SPECIFIERS = re.compile(r"\b(?:typedef|static|extern|const|volatile|register|inline)\b")
AFTER_TYPE_DEFINITION = re.compile(r"expected ['‘];['’], identifier or ['‘]\(['’] before")
EXPECTED_EXPRESSION = re.compile(r"expected expression before")
EXPECTED_CLOSE_PAREN = re.compile(r"expected ['‘]\)['’] before")
_STRIP = re.compile(r'//.*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
# a statement (not a declaration): it cannot stand outside a function
_STATEMENT = re.compile(r"^\s*(?:(?:for|while|if|else|return|do|switch|break|continue|case)\b|"
                        r"[A-Za-z_]\w*(?:\[[^\]]*\])?\s*(?:[-+*/%]?=(?!=)|\+\+|--|\())")
_FUNCTION_HEADER = re.compile(r"^[A-Za-z_][\w\s*]*?\b([A-Za-z_]\w*)\s*\([^;]*\)\s*\{?\s*$")
CONTROL_WORDS = {"if", "for", "while", "switch", "return", "else", "do", "sizeof"}
_OPENS_BLOCK = re.compile(r"(?:\)|\belse|\bdo|=|\bstruct(?:\s+\w+)?|\bunion(?:\s+\w+)?|\benum(?:\s+\w+)?|[{(,])\s*$")
_CLOSE_BEFORE_ELSE = re.compile(r"^\s*}\s*else\b")
_CONTROL_HEADER = re.compile(r"^\s*(?:}\s*)?(?:else\s+if|if|for|while|else)\b(?:.*\)\s*|\s*)$")
# `[ ]` on a name declared as a plain number: its declaration is the line to change
SUBSCRIPT_NOT_ARRAY = re.compile(r"subscripted value is (?:neither array nor pointer|not an array)", re.IGNORECASE)
_C_TYPE = r"(?:(?:unsigned|signed|const|static|long|short)\s+)*(?:int|char|float|double|long|short|bool|size_t|struct\s+\w+)"
_INDEXED_NAME = re.compile(r"([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$")
SEARCH_LINES = 60  # how far above the compiler's line a brace is looked for
PAIR_WEIGHT = 1
PAIR_TOLERANCE = 1  # columns a `}` may stray from under its `{`
EMPTY_BLOCK_COST = 2  # a `}` straight after its `{` is rarely what was forgotten
INSERT_MARGIN = 1  # a `}` inside the file must fit this much better than one at its end


@dataclass(frozen=True)
class Brace:
    line: int  # 1-based
    char: str  # "{" or "}"
    indent: int
    leads: bool  # the first thing on its line


def indentation(text: str) -> int:
    return len(text.expandtabs(4)) - len(text.expandtabs(4).lstrip())


def code_lines(source: list[str]) -> list[str]:
    """Each line with comments, string and character literals blanked out (braces in them do not count)."""
    result, in_comment = [], False
    for text in source:
        if in_comment:
            end = text.find("*/")
            text, in_comment = ("", True) if end < 0 else (" " * (end + 2) + text[end + 2:], False)
        text = _STRIP.sub(lambda m: " " * len(m.group()), text)
        start = text.find("/*")
        if start >= 0:
            text, in_comment = text[:start], True
        result.append("" if text.lstrip().startswith("#") else text)
    return result


def braces(code: list[str]) -> list[Brace]:
    found = []
    for number, text in enumerate(code, 1):
        first = len(text) - len(text.lstrip())
        found += [Brace(number, ch, indentation(text), i == first) for i, ch in enumerate(text) if ch in "{}"]
    return found


def is_function_header(text: str) -> bool:
    head = _FUNCTION_HEADER.match(text)
    return bool(head) and head.group(1) not in CONTROL_WORDS


def line_cost(text: str, stack: list[Brace], body_indent: dict[int, int]) -> int:
    """How badly one line of code sits in the blocks open around it."""
    if not stack:  # outside every function: only declarations belong here
        return 2 * bool(_STATEMENT.match(text) and not is_function_header(text))
    if is_function_header(text):
        return 2  # a function defined inside another: the one above was not closed
    if len(stack) == 1:
        return 0  # a function's own body: novices often leave it unindented
    block = stack[-1]
    expected = body_indent.setdefault(block.line, indentation(text))
    return int(indentation(text) <= block.indent or indentation(text) < expected)


def indentation_cost(code: list[str], events: list[Brace], close_before: int = 0) -> int:
    """How much the braces disagree with the indentation: closers not under their opener, and
    statements not indented inside the block open around them (``close_before``: a ``}`` is
    inserted before that line; closing a block that has nothing in it costs extra)."""
    cost, stack, by_line, body_indent, last_code = 0, [], {}, {}, 0
    for brace in events:
        by_line.setdefault(brace.line, []).append(brace)
    for number, text in enumerate(code, 1):
        stripped = text.strip()
        if number == close_before and stack:
            cost += EMPTY_BLOCK_COST * (stack[-1].line == last_code)
            stack.pop()
        if stripped and stripped[0] not in "{}" and not (stack and number == stack[-1].line):
            cost += line_cost(text, stack, body_indent)
        last_code = number if stripped else last_code
        for brace in by_line.get(number, ()):
            if brace.char == "{":
                stack.append(brace)
            elif stack:
                opener = stack.pop()
                cost += PAIR_WEIGHT * (brace.leads and opener.line != brace.line and abs(brace.indent - opener.indent) > PAIR_TOLERANCE)
            else:
                cost += 2  # a closer with nothing open
    return cost + 2 * len(stack)


def blank_before(source: list[str], line: int) -> int:
    """Where a brace inserted before ``line`` is written: the first blank line after the code above it."""
    previous = next((n for n in range(line - 1, 0, -1) if source[n - 1].strip()), line)
    return previous + 1 if previous + 1 < line else previous


def is_stray_opener(code: list[str], brace: Brace) -> bool:
    """A ``{`` after no header, ``else``, ``do``, ``=`` or ``struct``: as in ``int i;{``."""
    before = code[brace.line - 1].split("{")[0]
    if not before.strip():
        before = next((code[n - 1] for n in range(brace.line - 1, 0, -1) if code[n - 1].strip()), "")
    return not _OPENS_BLOCK.search(before)


def missing_close_line(source: list[str], reported: int) -> int | None:
    """The line a forgotten ``}`` belongs on: the insertion that best fits the indentation, when
    it fits clearly better than one at the end of the file (where the compiler noticed); or a
    stray ``{`` whose removal fits better still."""
    code = code_lines(source)
    events = braces(code)
    at_end = max(indentation_cost(code, events) - 2, 0)  # the `}` written where the compiler noticed
    best_cost, best_line = at_end - INSERT_MARGIN + 1, reported
    for line in range(reported, max(reported - SEARCH_LINES, 1), -1):  # latest first: ties keep the latest
        if not code[line - 1].strip() or code[line - 1].lstrip().startswith("{"):
            continue
        cost = indentation_cost(code, events, close_before=line)
        if cost < best_cost:
            best_cost, best_line = cost, blank_before(source, line)
    for brace in (b for b in events if b.char == "{" and reported - SEARCH_LINES < b.line <= reported):
        if is_stray_opener(code, brace):
            cost = indentation_cost(code, [b for b in events if b is not brace])
            if cost < best_cost:
                best_cost, best_line = cost, brace.line
    return best_line


def closer_below(code: list[str], header: int) -> bool:
    """A ``}`` under ``header``, at its indentation, ends the lines indented beneath it."""
    indent = indentation(code[header - 1])
    for text in code[header:]:
        if text.strip() and indentation(text) <= indent:
            return text.lstrip().startswith("}") and indentation(text) == indent
    return False


def missing_open_candidates(code: list[str], reported: int) -> list[int]:
    """``if (...)``, ``for (...)``, ``else`` headers with no ``{`` whose indented body a ``}`` closes."""
    found = []
    for number in range(min(reported, len(code)), max(reported - SEARCH_LINES, 0), -1):
        following = next((t for t in code[number:] if t.strip()), "{")
        if _CONTROL_HEADER.match(code[number - 1]) and not following.lstrip().startswith("{") \
                and closer_below(code, number):
            found.append(number)
    return found


def closes_if_before_else(code: list[str], brace: Brace) -> bool:
    """A ``}`` that an ``else`` follows closes an ``if`` block: without it the ``else`` would have no ``if``,
    so it is not the ``}`` too many."""
    text = code[brace.line - 1]
    if brace.leads and _CLOSE_BEFORE_ELSE.match(text):
        return True
    following = next((t for t in code[brace.line:] if t.strip()), "")
    return text.strip() == "}" and bool(re.match(r"\s*else\b", following))


def extra_close_line(source: list[str], reported: int) -> int | None:
    """The ``}`` that closed the block too early, or the header that lost its ``{`` so that its
    ``}`` closed the function: whichever change best fits the indentation (a missing ``{`` wins ties)."""
    code = code_lines(source)
    events = braces(code)
    best_cost, best_line = indentation_cost(code, events), None
    for header in missing_open_candidates(code, reported):
        added = sorted([*events, Brace(header, "{", indentation(code[header - 1]), False)], key=lambda b: b.line)
        cost = indentation_cost(code, added) - 0.5  # a missing `{` wins ties with a `}` too many
        if cost < best_cost:
            best_cost, best_line = cost, header
    candidates = [b for b in events if b.char == "}" and reported - SEARCH_LINES < b.line <= reported
                  and not closes_if_before_else(code, b)]
    for brace in reversed(candidates):  # latest first: ties keep the latest
        cost = indentation_cost(code, [b for b in events if b is not brace])
        if cost < best_cost:
            best_cost, best_line = cost, brace.line
    return best_line


def prototype_without_semicolon(source: list[str], reported: int) -> int | None:
    """``void f(int n)`` written without its ``;`` above the next function: gcc complains at that
    function's ``{``, but the line to change is the prototype."""
    lines = [n for n in range(reported, max(reported - 8, 0), -1) if source[n - 1].strip()]
    if lines and source[lines[0] - 1].strip() == "{":
        lines = lines[1:]
    if len(lines) >= 2 and _HEADER.match(source[lines[0] - 1].split("{")[0]) and _HEADER.match(source[lines[1] - 1]):
        return lines[1]
    return None


def header_with_semicolon(source: list[str], reported: int, header: re.Pattern) -> int | None:
    """The ``if (...);`` or ``for (...);`` above ``reported`` whose ``;`` ended it early."""
    code = code_lines(source)
    return next((n for n in range(min(reported, len(code)) - 1, max(reported - 15, 0), -1) if header.match(code[n - 1])), None)


def nearest_declaration(code: list[str], name: str, line: int) -> tuple[int, str] | None:
    """The closest line above ``line`` that declares ``name`` as a variable (not an array), and
    the ``*`` it is declared with."""
    declared = re.compile(rf"^\s*{_C_TYPE}\b[^;]*?(?<![\w.>])(\**)\s*{name}\b(?!\s*[\[(])")
    found = ((n, declared.search(code[n - 1])) for n in range(line - 1, 0, -1))
    return next(((n, match.group(1)) for n, match in found if match), None)


def shadowing_declaration(code: list[str], name: str, line: int, right_kind: re.Pattern,
                          visible_from: int = 1) -> int | None:
    """The closest plain declaration of ``name`` above ``line`` when it hides a declaration of the
    kind the use needs (an array, a function) made between line ``visible_from`` and it."""
    nearest = nearest_declaration(code, name, line)
    if nearest is None or nearest[1]:
        return None
    hidden = any(right_kind.search(code[n - 1]) for n in range(visible_from, nearest[0]))
    return nearest[0] if hidden else None


def enclosing_function(code: list[str], line: int) -> int:
    """The header line of the function ``line`` is in (1 when none is found)."""
    return next((n for n in range(line, 0, -1) if is_function_header(code[n - 1])), 1)


def declaration_line(code: list[str], diagnostic: CompilerDiagnostic) -> int | None:
    """For ``[ ]`` on a name whose declaration has fewer ``*`` than the ``(T **) malloc(...)``
    assigned to it, or that hides an array of the same name, that declaration; otherwise the use
    itself is the likelier mistake."""
    if diagnostic.line > len(code):
        return None
    indexed = _INDEXED_NAME.search(code[diagnostic.line - 1][: max(diagnostic.column - 1, 0)])
    if not indexed:
        return None
    name = re.escape(indexed.group(1))
    array = re.compile(rf"^\s*{_C_TYPE}\b[^;=]*?(?:\b{name}\s*\[|\*\s*{name}\b)")
    hiding = shadowing_declaration(code, name, diagnostic.line, array, enclosing_function(code, diagnostic.line))
    if hiding:
        return hiding
    allocated = re.compile(rf"(?<![\w.>]){name}\s*=\s*\(\s*[\w\s]+?(\*+)\s*\)\s*(?:malloc|calloc|realloc)\b")
    stars = max((len(m.group(1)) for text in code for m in allocated.finditer(text)), default=0)
    nearest = nearest_declaration(code, name, diagnostic.line)
    return nearest[0] if nearest and len(nearest[1]) < stars else None


def function_declaration(name: str) -> re.Pattern:
    """A definition or prototype of the function ``name``, at the start of a line."""
    return re.compile(rf"^[A-Za-z_][\w \t*]*\b{name}\s*\(", re.MULTILINE)


def function_hidden_by_variable(code: list[str], diagnostic: CompilerDiagnostic) -> int | None:
    """``called object 'f' is not a function`` where the file defines a function ``f``: the
    variable declared as ``f`` hides it."""
    called = NOT_A_FUNCTION.search(diagnostic.message)
    if not called:
        return None
    name = called.group(1)
    return shadowing_declaration(code, name, min(diagnostic.line, len(code)), function_declaration(name))


def brace_beside_statement(code: list[str], reported: int) -> int | None:
    """``printf(...);}`` or ``}printf(...);`` just above an orphan ``else``: the ``}`` that shares a
    line with a statement is the one that ended the ``if`` block in the wrong place."""
    for number in range(min(reported, len(code) + 1) - 1, max(reported - 6, 0), -1):
        text = code[number - 1]
        if "}" in text and re.search(r"\w.*;", text) and not _CONTROL_HEADER.match(text):
            return number
    return None


def type_definition_end(code: list[str], reported: int, column: int) -> int | None:
    """The ``}`` ending a struct, union or enum definition that lacks its ``;``: the last ``}``
    before the compiler's position (which may follow ``typedef`` or ``static`` on a later line)."""
    if reported <= len(code):  # specifiers such as `typedef` may sit between the `}` and that position
        code = [*code[: reported - 1], _SPECIFIERS.sub("", code[reported - 1][: max(column - 1, 0)])]
    last = next((n for n in range(len(code), 0, -1) if code[n - 1].strip()), None)
    return last if last and code[last - 1].rstrip().endswith("}") else None


def unclosed_paren_line(code: list[str], reported: int, column: int) -> int | None:
    """For "expected ')'": when the reported line is balanced up to the column, the line above
    that opened a ``(`` it never closed."""
    before = code[reported - 1][: max(column - 1, 0)] if reported <= len(code) else ""
    if before.count("(") > before.count(")"):
        return None  # the line itself has the open parenthesis
    for number in range(reported - 1, max(reported - 6, 0), -1):
        text = code[number - 1]
        if text.strip() and text.count("(") > text.count(")"):
            return number
    return None


# (languages, message, finder): where the line to change is, for messages that name another line
FINDERS = (
    (("c", "java"), MISSING_CLOSE, lambda source, d: missing_close_line(source, min(d.line, len(source)))),
    (("c",), ELSE_WITHOUT_IF, lambda source, d: header_with_semicolon(source, d.line, _IF_WITH_SEMICOLON)
                                                or brace_beside_statement(code_lines(source), d.line)),
    (("c",), JUMP_OUTSIDE_LOOP, lambda source, d: header_with_semicolon(source, d.line, _LOOP_WITH_SEMICOLON)),
    (("c",), HEADER_WITHOUT_BODY, lambda source, d: prototype_without_semicolon(source, min(d.line, len(source)))),
    (("c",), EXTRA_CLOSE, lambda source, d: extra_close_line(source, min(d.line, len(source)))),
    (("c",), SUBSCRIPT_NOT_ARRAY, lambda source, d: declaration_line(code_lines(source), d)),
    (("c",), AFTER_TYPE_DEFINITION, lambda source, d: type_definition_end(code_lines(source), d.line, d.column)),
    (("c",), NOT_A_FUNCTION, lambda source, d: function_hidden_by_variable(code_lines(source), d)),
    (("c",), EXPECTED_CLOSE_PAREN, lambda source, d: unclosed_paren_line(code_lines(source), d.line, d.column)),
    (("c", "java", "python"), REPORTED_LATE, lambda source, d: line_above_if_first_token(source, d)),
)


def line_above_if_first_token(source: list[str], diagnostic: CompilerDiagnostic) -> int | None:
    """Reported at the first token of a line (closers aside): the line above is the one that ends wrong.
    A missing expression is not looked for above a `}` on this line: an unfinished line above
    would have been reported at that `}`, so the stray token is on this line."""
    before = source[diagnostic.line - 1][: max(diagnostic.column - 1, 0)] if diagnostic.line <= len(source) else ""
    if before.strip(" \t})]") or ("}" in before and EXPECTED_EXPRESSION.match(diagnostic.message)):
        return None
    return next((n for n in range(min(diagnostic.line, len(source) + 1) - 1, 0, -1) if source[n - 1].strip()), None)


def likely_lines(diagnostic: CompilerDiagnostic, program_text: str) -> list[int]:
    """Lines the mistake is probably on, the likeliest first; the compiler's line is always one."""
    source = program_text.splitlines()
    guesses = (find(source, diagnostic) for languages, message, find in FINDERS
               if diagnostic.language in languages and message.search(diagnostic.message))
    guess = next((line for line in guesses if line), None)
    return [guess, diagnostic.line] if guess and guess != diagnostic.line else [diagnostic.line]
