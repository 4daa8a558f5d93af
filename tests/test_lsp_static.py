"""The deeper check over LSP: on open and save with the syntax pass, one publish per version; typing gets the syntax pass."""

from __future__ import annotations

from lsprotocol import types

from conftest import change_document, diagnostics_for, hover, open_document, wait_until

UNINITIALISED = "#include <stdio.h>\nint main(void)\n{\n    int total;\n    printf(\"%d\\n\", total);\n    return 0;\n}\n"


def messages(diagnostics) -> list[str]:
    return [d.message for d in diagnostics]


async def test_open_gets_the_deeper_check_typing_the_syntax_pass_and_save_both(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "total.c", UNINITIALISED, "c")
    opened = await diagnostics_for(rules_client, uri, version=1)
    assert any("'total' is used uninitialized" in m for m in messages(opened)), messages(opened)
    assert [p.version for p in rules_client.published if p.uri == uri] == [1], "both passes in one publish"
    shown = await hover(rules_client, uri, 4, 20)
    assert shown is not None and "`total`" in shown.contents.value

    edited = UNINITIALISED.replace("int total;", "int total, count;")
    change_document(rules_client, uri, edited, 2)
    typed = await diagnostics_for(rules_client, uri, version=2)
    assert not any("uninitialized" in m for m in messages(typed)), "a change gets the fast syntax pass only"

    rules_client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_until(lambda: len([p for p in rules_client.published if p.uri == uri and p.version == 2]) == 2)
    saved = [p for p in rules_client.published if p.uri == uri and p.version == 2][-1].diagnostics
    assert any("'total' is used uninitialized" in m for m in messages(saved))
    assert any("unused variable 'count'" in m for m in messages(saved))


async def test_a_python_name_misspelt_is_explained_on_open(rules_client, tmp_path):
    text = "def area(radius):\n    return 3.14 * radius * radius\n\n\nprint(aera(2))\n"
    uri = open_document(rules_client, tmp_path / "area.py", text, "python")
    diagnostics = await diagnostics_for(rules_client, uri, version=1)
    assert [(d.range.start.line, d.message, d.severity) for d in diagnostics] == [
        (4, "undefined name 'aera'", types.DiagnosticSeverity.Error)]
    shown = await hover(rules_client, uri, 4, 7)
    assert shown is not None and "`aera`" in shown.contents.value
