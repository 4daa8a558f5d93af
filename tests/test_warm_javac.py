"""The warm javac (warm_javac.py): the same diagnostics as plain javac, and a JVM that never
hangs a check, recovers when it dies, and ends with the server. These run the real JVM."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from error_tutor_server import analysis, compilers, warm_javac
from error_tutor_server.languages import JAVA
from error_tutor_server.settings import TutorSettings

pytestmark = pytest.mark.skipif(not shutil.which("javac"), reason="needs a JDK")

PROGRAMS = {
    "Main.java": "public class Main {\n    public static void main(String[] args) {\n        int count = \"three\";\n    }\n}\n",
    "Semi.java": "public class Semi {\n    public static void main(String[] args) {\n        int x = 1\n"
                 "        System.out.println(x);\n    }\n}\n",
    "Sym.java": "public class Sym {\n    public static void main(String[] args) {\n        System.out.println(mesage);\n"
                "        String s = \"a\";\n        System.out.println(s.lenght());\n    }\n}\n",
    "Ret.java": "public class Ret {\n    static int f(int x) {\n        if (x > 0) {\n            return 1;\n        }\n    }\n}\n",
    "Brace.java": "public class Brace {\n    public static void main(String[] args) {\n        if (true) {\n"
                  "            System.out.println(1);\n    }\n}\n",
    "Wrong.java": "public class Other {\n    void f() {}\n}\n",
    "Unreach.java": "public class Unreach {\n    int f() {\n        return 1;\n        System.out.println(2);\n    }\n}\n",
    "Init.java": "public class Init {\n    public static void main(String[] args) {\n        int total;\n"
                 "        total++;\n        String s = null;\n        char c = \"x\";\n    }\n}\n",
    "Unicode.java": "public class Unicode {\n    public static void main(String[] args) {\n"
                    "        int prix = \"trois €\";\n        String café = 3;\n    }\n}\n",
    "Tabs.java": "public class Tabs {\n\tpublic static void main(String[] args) {\n\t\tdouble d = 1.5;\n\t\tint i = d;\n"
                 "\t\tboolean b = 1;\n\t}\n}\n",
    "Static.java": "public class Static {\n    int n;\n    public static void main(String[] args) {\n        n = 3;\n"
                   "        helper();\n    }\n    void helper() {}\n}\n",
    "Clean.java": "import java.util.*;\npublic class Clean {\n    public static void main(String[] args) {\n"
                  "        List list = new ArrayList();\n        list.add(1);\n        switch (args.length) {\n"
                  "            case 0: System.out.println(0);\n            case 1: System.out.println(1);\n        }\n    }\n}\n",
    "Many.java": "public class Many {\n" + "".join(f"    int f{i}() {{ return x{i}; }}\n" for i in range(60)) + "}\n",
}
STATIC_PROGRAMS = sorted((Path(__file__).parent / "static_programs" / "java").glob("*.java"))


def corpus() -> list[tuple[str, str]]:
    programs = list(PROGRAMS.items())
    for path in STATIC_PROGRAMS:
        programs.append(("Main.java", path.read_text(encoding="utf-8")))
    return programs


async def _both_ways(tmp_path, deep: bool):
    settings = TutorSettings()
    plain = [await analysis.analyse("java", text, settings, filename=name, deep=deep) for name, text in corpus()]
    warm = warm_javac.install(warm_javac.WarmJavac(tmp_path / "cache"))
    try:
        again = [await analysis.analyse("java", text, settings, filename=name, deep=deep) for name, text in corpus()]
        assert warm.starts == 1 and not warm.broken
    finally:
        await warm_javac.uninstall()
    return plain, again


async def test_the_syntax_pass_gives_the_same_diagnostics_both_ways(tmp_path):
    plain, warm = await _both_ways(tmp_path, deep=False)
    assert len(STATIC_PROGRAMS) >= 5 and sum(bool(a.diagnostics) for a in plain) >= 10
    for name_text, one, other in zip(corpus(), plain, warm):
        assert one == other, name_text[0]


async def test_the_lint_pass_gives_the_same_diagnostics_both_ways(tmp_path):
    plain, warm = await _both_ways(tmp_path, deep=True)
    assert any(d.severity == "warning" for a in plain for d in a.diagnostics)
    for name_text, one, other in zip(corpus(), plain, warm):
        assert one == other, name_text[0]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


async def _check(name: str = "Main.java"):
    return await compilers.diagnose("java", PROGRAMS[name], TutorSettings(), filename=name)


async def test_a_timeout_falls_back_to_plain_javac_and_the_next_check_starts_a_fresh_jvm(tmp_path, monkeypatch):
    expected = await _check()
    warm = warm_javac.install(warm_javac.WarmJavac(tmp_path / "cache"))
    try:
        assert await _check() == expected
        first = warm.pid

        async def hangs(self, request):
            await asyncio.sleep(3600)
        with monkeypatch.context() as patch:
            patch.setattr(warm_javac.WarmJavac, "_exchange", hangs)
            started = time.monotonic()
            assert await compilers.diagnose("java", PROGRAMS["Main.java"], TutorSettings(compile_timeout_s=3.0)) == expected
            assert time.monotonic() - started < 30
        assert warm.pid is None and not _alive(first)  # the stuck JVM was killed
        assert await _check("Sym.java") != [] and warm.starts == 2 and warm.pid is not None
    finally:
        await warm_javac.uninstall()


async def test_a_jvm_killed_between_checks_is_replaced(tmp_path):
    expected = await _check("Semi.java")
    warm = warm_javac.install(warm_javac.WarmJavac(tmp_path / "cache"))
    try:
        assert await _check("Semi.java") == expected
        os.kill(warm.pid, 9)
        await asyncio.sleep(0.2)
        assert await _check("Semi.java") == expected  # this check falls back; the JVM is restarted
        assert await _check("Semi.java") == expected and warm.pid is not None and not warm.broken
    finally:
        await warm_javac.uninstall()


async def test_a_jvm_that_prints_garbage_is_replaced(tmp_path, monkeypatch):
    expected = await _check()
    warm = warm_javac.install(warm_javac.WarmJavac(tmp_path / "cache"))
    try:
        assert await _check() == expected
        first = warm.pid
        warm.proc.stdin.write(b'{"args": "not a list"}\n')  # the helper fails: no reply of the expected shape
        await warm.proc.stdin.drain()
        assert await _check() == expected
        assert not _alive(first)
        assert await _check() == expected and warm.pid not in (None, first)
    finally:
        await warm_javac.uninstall()


async def test_a_cancelled_check_leaves_the_jvm_ready(tmp_path):
    expected = await _check("Many.java")
    warm = warm_javac.install(warm_javac.WarmJavac(tmp_path / "cache"))
    try:
        assert await _check("Many.java") == expected
        for _ in range(5):
            task = asyncio.ensure_future(_check("Many.java"))
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert await _check("Many.java") == expected
        assert warm.starts == 1  # each abandoned reply was read in the background: the same JVM throughout
    finally:
        await warm_javac.uninstall()


async def test_no_javac_or_no_cache_folder_falls_back_to_plain_javac(tmp_path, caplog):
    expected = await _check()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    warm = warm_javac.install(warm_javac.WarmJavac(blocker))
    try:
        assert await _check() == expected and await _check() == expected
        assert warm.broken and warm.pid is None
        assert sum("warm javac could not start" in r.getMessage() for r in caplog.records) == 1
    finally:
        await warm_javac.uninstall()


async def test_the_jvm_runs_under_javas_memory_limit_and_a_huge_nesting_never_hangs(tmp_path):
    huge = "public class Main { " + "java.util.List<" * 3000 + "String" + ">" * 3000 + " x; }\n"
    settings = TutorSettings()
    plain = await compilers.diagnose("java", huge, settings)
    warm = warm_javac.install(warm_javac.WarmJavac(tmp_path / "cache"))
    try:
        assert await _check() != []
        limits = Path(f"/proc/{warm.pid}/limits").read_text()
        line = next(text for text in limits.splitlines() if text.startswith("Max address space"))
        assert line.split()[3] == str(JAVA.memory_limit_bytes)
        started = time.monotonic()
        diagnostics = await compilers.diagnose("java", huge, settings)
        assert time.monotonic() - started < 2 * settings.compile_timeout_s + 5
        assert len(diagnostics) == 1 and diagnostics[0].line == 1
        assert diagnostics == plain or diagnostics[0].code == plain[0].code
        assert warm.pid is None  # javac broke down: its JVM is not trusted with the next check
        assert await _check() != [] and warm.pid is not None  # and the compiler works afterwards
    finally:
        await warm_javac.uninstall()


def _children_running_warm_javac(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == parent and b"WarmJavac" in command and stat[0] != "Z":
            found.append(int(entry.name))
    return found


async def _server_with_a_java_check(tmp_path) -> tuple[LanguageClient, int, list[int]]:
    """A language server that has checked one Java file: its client, its pid and its JVMs."""
    client, published = LanguageClient("test-warm-javac", "1"), []

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params):
        published.append(params)

    @client.feature("errorTutor/status")
    def on_status(params):
        pass

    await client.start_io(sys.executable, "-m", "error_tutor_server", "serve")
    server_pid = client._server.pid
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options={
        "cacheDir": str(tmp_path / "cache"), "backend": "none", "debounceMs": 0, "analysis": "syntax"}))
    client.initialized(types.InitializedParams())
    uri = (tmp_path / "Main.java").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="java", version=1, text=PROGRAMS["Main.java"])))
    for _ in range(600):
        if published:
            break
        await asyncio.sleep(0.05)
    assert published and "incompatible types" in published[-1].diagnostics[0].message
    jvms = _children_running_warm_javac(server_pid)
    assert len(jvms) == 1
    return client, server_pid, jvms


async def test_the_servers_shutdown_stops_its_jvm(tmp_path):
    client, _, jvms = await _server_with_a_java_check(tmp_path)
    await client.shutdown_async(None)
    assert not _alive(jvms[0])  # gone when shutdown answers
    client.exit(None)
    await client.stop()


async def test_a_server_killed_outright_leaves_no_jvm(tmp_path):
    client, server_pid, jvms = await _server_with_a_java_check(tmp_path)
    os.kill(server_pid, 9)  # no shutdown: the JVM ends when its stdin closes
    for _ in range(100):
        if not _alive(jvms[0]):
            break
        await asyncio.sleep(0.05)
    assert not _alive(jvms[0])
    try:
        await client.stop()
    except Exception:
        pass  # the server is already gone


def test_only_command_lines_that_run_no_annotation_processor_go_to_the_jvm():
    argv = ["/usr/bin/javac", "-J-Xmx256m", "-proc:none", "-d", "/w/classes", "Main.java"]
    assert warm_javac.request_args(argv, "/w") == ["-proc:none", "-d", "/w/classes", "/w/Main.java"]
    assert warm_javac.request_args([a for a in argv if a != "-proc:none"], "/w") is None
    assert warm_javac.request_args([*argv, "@options"], "/w") is None
