"""Diagnostics from the real compilers, published over LSP with the document version."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from conftest import change_document, diagnostics_for, hover, open_document

C_MISSING_SEMICOLON = "#include <stdio.h>\nint main(void)\n{\n    int total = 0\n    printf(\"%d\\n\", total);\n    return 0;\n}\n"
PY_MISSING_COLON = "def grade(score):\n    if score > 50\n        return 'pass'\n    return 'fail'\n"
JAVA_BAD_TYPE = "public class Main {\n    public static void main(String[] args) {\n        int count = \"three\";\n    }\n}\n"


async def test_c_diagnostic_from_gcc(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    diagnostics = await diagnostics_for(rules_client, uri, version=1)
    assert diagnostics, "gcc should report the missing semicolon"
    first = diagnostics[0]
    assert first.source == "gcc"
    assert first.severity == types.DiagnosticSeverity.Error
    assert "expected" in first.message and "';'" in first.message
    assert first.range.start.line == 4  # 0-based: gcc reports at the printf on line 5


async def test_a_call_that_cannot_link_is_an_error_with_an_explanation(rules_client, tmp_path):
    text = "#include <stdio.h>\nint main(void)\n{\n    prinf(\"hi\\n\");\n    return 0;\n}\n"
    uri = open_document(rules_client, tmp_path / "typo.c", text, "c")
    diagnostics = await diagnostics_for(rules_client, uri, version=1)
    first = diagnostics[0]
    assert first.severity == types.DiagnosticSeverity.Error and first.range.start.line == 3
    assert "'prinf'" in first.message and "cannot be built" in first.message
    shown = await hover(rules_client, uri, 3, 6)
    assert shown is not None and "`prinf`" in shown.contents.value


async def test_python_diagnostic(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "grade.py", PY_MISSING_COLON, "python")
    diagnostics = await diagnostics_for(rules_client, uri, version=1)
    assert [d.message for d in diagnostics] == ["SyntaxError: expected ':'"]
    assert diagnostics[0].range.start.line == 1


async def test_java_diagnostic(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "Main.java", JAVA_BAD_TYPE, "java")
    diagnostics = await diagnostics_for(rules_client, uri, version=1)
    assert len(diagnostics) == 1
    assert "incompatible types" in diagnostics[0].message
    assert diagnostics[0].source == "javac" and diagnostics[0].range.start.line == 2


async def test_clean_file_publishes_no_diagnostics_and_no_hover(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "ok.py", "print('hello')\n", "python")
    assert list(await diagnostics_for(rules_client, uri, version=1)) == []
    result = await rules_client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=2)))
    assert result is None


async def test_rapid_edits_are_debounced_and_only_latest_version_published(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "edit.py", "x = 1\n", "python")
    await diagnostics_for(rules_client, uri, version=1)
    for version in range(2, 12):  # ten keystrokes faster than the debounce
        change_document(rules_client, uri, f"x = (1 +\n# edit {version}\n", version)
        await asyncio.sleep(0.02)
    diagnostics = await diagnostics_for(rules_client, uri, version=11)
    versions = [p.version for p in rules_client.published if p.uri == uri]
    assert versions == [1, 11], "intermediate versions must be cancelled, not published"
    assert "never closed" in diagnostics[0].message


async def test_fixing_the_error_clears_diagnostics(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "fix.py", PY_MISSING_COLON, "python")
    assert await diagnostics_for(rules_client, uri, version=1)
    change_document(rules_client, uri, PY_MISSING_COLON.replace("50\n", "50:\n"), 2)
    assert list(await diagnostics_for(rules_client, uri, version=2)) == []


async def test_unrelated_language_is_ignored(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "notes.txt", "hello", "plaintext")
    open_document(rules_client, tmp_path / "b.py", "x = 1\n", "python")
    await diagnostics_for(rules_client, (tmp_path / "b.py").as_uri())
    assert uri not in rules_client.diagnostics
