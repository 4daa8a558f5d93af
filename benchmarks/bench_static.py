"""Coverage and timing of the static analysis (analysis.py), printed as figures.

    .venv/bin/python benchmarks/bench_static.py [--runs 15]

- coverage: the novice programs under tests/static_programs/ (one per kind of diagnostic), the
  share explained by their rule and the share on the right line (benchmarks/static_corpus.py);
- timing: the syntax pass (what a change gets) on a small program per language, and the deeper
  pass (open and save: both passes) at each depth on a 200-line program per language; p50 and
  p95 over ``--runs`` runs, after one warm-up run;
- Java's syntax pass with the warm javac (warm_javac.py: one JVM kept by the language server),
  after its first use, on the small and the 200-line program;
- through the language server (rules only, ``debounceMs`` 0): a change of the 200-line C and
  Java programs to its publish (the syntax pass), and a save to its publish (both passes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from error_tutor_server import warm_javac  # noqa: E402
from error_tutor_server.analysis import analyse  # noqa: E402
from error_tutor_server.settings import TutorSettings  # noqa: E402
from static_corpus import check, programs  # noqa: E402

SMALL = {
    "c": "#include <stdio.h>\nint main(void)\n{\n    int total = 0\n    printf(\"%d\\n\", total);\n    return 0;\n}\n",
    "python": "def grade(score):\n    if score > 50\n        return 'pass'\n    return 'fail'\n",
    "java": "public class Main {\n    public static void main(String[] args) {\n        int count = \"three\";\n    }\n}\n",
}


def c_program(lines: int = 200) -> str:
    """A novice-style C program of about ``lines`` lines: small functions over arrays, one bug."""
    parts = ["#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>", "", "#define SIZE 10", ""]
    index = 0
    while len(parts) < lines - 20:
        parts += [f"int total_{index}(int values[], int n)", "{", "    int sum = 0;", "    int i;",
                  "    for (i = 0; i < n; i++) {", "        if (values[i] > 0) {", "            sum += values[i];",
                  "        } else {", "            sum -= values[i];", "        }", "    }", "    return sum;", "}", "",
                  f"void show_{index}(const char *label, int value)", "{",
                  "    printf(\"%s: %d\\n\", label, value);", "}", ""]
        index += 1
    parts += ["int main(void)", "{", "    int values[SIZE];", "    int i, count;", "    for (i = 0; i < SIZE; i++) {",
              "        values[i] = i * 3 - 5;", "    }"]
    parts += [f"    show_{k}(\"total\", total_{k}(values, SIZE));" for k in range(index)]
    parts += ["    printf(\"%d\\n\", count);", "    return 0;", "}"]
    return "\n".join(parts) + "\n"


def python_program(lines: int = 200) -> str:
    parts = ["import math", ""]
    index = 0
    while len(parts) < lines - 6:
        parts += [f"def total_{index}(values):", "    result = 0", "    for value in values:",
                  "        if value > 0:", "            result += value", "        else:", "            result -= value",
                  "    return result", "", ""]
        index += 1
    parts += ["numbers = [1, -2, 3]"] + [f"print(total_{k}(numbers))" for k in range(index)] + ["print(totl)"]
    return "\n".join(parts) + "\n"


def java_program(lines: int = 200) -> str:
    parts = ["import java.util.ArrayList;", "", "public class Main {"]
    index = 0
    while len(parts) < lines - 8:
        parts += [f"    static int total{index}(int[] values) {{", "        int sum = 0;",
                  "        for (int i = 0; i < values.length; i++) {", "            if (values[i] > 0) {",
                  "                sum += values[i];", "            } else {", "                sum -= values[i];",
                  "            }", "        }", "        return sum;", "    }", ""]
        index += 1
    parts += ["    public static void main(String[] args) {", "        int[] v = {1, -2, 3};"]
    parts += [f"        System.out.println(total{k}(v));" for k in range(index)]
    parts += ["        if (v.length > 1);", "    }", "}"]
    return "\n".join(parts) + "\n"


LARGE = {"c": c_program, "python": python_program, "java": java_program}
FILENAMES = {"c": "prog.c", "python": "prog.py", "java": "Main.java"}


def timed(language: str, text: str, settings: TutorSettings, deep: bool, runs: int) -> list[float]:
    async def once() -> float:
        started = time.perf_counter()
        await analyse(language, text, settings, filename=FILENAMES[language], deep=deep)
        return time.perf_counter() - started
    asyncio.run(once())  # warm-up: the compiler's header directories are asked once per compiler
    return [asyncio.run(once()) for _ in range(runs)]


def timed_warm(language: str, text: str, settings: TutorSettings, deep: bool, runs: int) -> list[float]:
    """As ``timed``, in one event loop with a warm javac installed (as the language server has)."""
    async def all_runs() -> list[float]:
        with tempfile.TemporaryDirectory() as cache:
            warm = warm_javac.install(warm_javac.WarmJavac(Path(cache)))
            try:
                samples = []
                for index in range(runs + 1):  # the first run builds the helper and starts the JVM
                    started = time.perf_counter()
                    await analyse(language, text, settings, filename=FILENAMES[language], deep=deep)
                    samples.append(time.perf_counter() - started)
                assert warm.starts == 1 and not warm.broken, "the warm javac fell back to plain javac"
                return samples[1:]
            finally:
                await warm_javac.uninstall()
    return asyncio.run(all_runs())


EDITS = {"c": ("int i, count;", "int i, count; /* edit N */"),
         "java": ("int[] v = {1, -2, 3};", "int[] v = {1, -2, 3}; /* edit N */")}


async def over_lsp(text: str, runs: int, language: str = "c") -> tuple[list[float], list[float]]:
    """Seconds from a didChange to its publish, and from a didSave to its (second) publish."""
    client, published = LanguageClient("bench-static", "1"), []

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params):
        published.append(params)

    @client.feature("errorTutor/status")
    def on_status(params):
        pass

    async def until(count: int) -> None:
        while len(published) < count:
            await asyncio.sleep(0.001)

    await client.start_io(sys.executable, "-m", "error_tutor_server", "serve", env={**os.environ, "ERROR_TUTOR_LOG": "WARNING"})
    changes, saves = [], []
    with tempfile.TemporaryDirectory() as folder:
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options={
            "cacheDir": folder, "backend": "none", "debounceMs": 0}))
        client.initialized(types.InitializedParams())
        uri = Path(folder, FILENAMES[language]).as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
        await until(1)
        for version in range(2, runs + 2):
            edited = text.replace(EDITS[language][0], EDITS[language][1].replace("N", str(version)))
            began = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
            await until(len(published) + 1)
            changes.append(time.perf_counter() - began)
            began = time.perf_counter()
            client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
            await until(len(published) + 1)
            saves.append(time.perf_counter() - began)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return changes, saves


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {1000 * statistics.median(ordered):6.0f} ms   p95 {1000 * p95:6.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-coverage", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_coverage:
        outcomes = [asyncio.run(check(program)) for program in programs()]
        total = len(outcomes)
        explained, right = sum(o.explained for o in outcomes), sum(o.right_line for o in outcomes)
        by_language = {}
        for o in outcomes:
            by_language.setdefault(o.program.language, []).append(o.right_line)
        print(f"coverage: {total} programs, explained {100 * explained / total:.0f}%, "
              f"on the right line {100 * right / total:.0f}%  "
              + "  ".join(f"{lang} {sum(v)}/{len(v)}" for lang, v in by_language.items()))
    base = TutorSettings()
    for language, text in SMALL.items():
        print(f"syntax pass (a change)   {language:6} small     {figures(timed(language, text, base, False, args.runs))}")
    for language, make in LARGE.items():
        text = make()
        for depth in ("standard", "deep"):
            if depth == "deep" and language != "c":
                continue  # deep differs from standard only for C
            settings = base.replace(analysis=depth)
            print(f"open/save ({depth:8})    {language:6} {len(text.splitlines())} lines "
                  f"{figures(timed(language, text, settings, True, args.runs))}")
    print(f"syntax pass, warm javac  java   small     {figures(timed_warm('java', SMALL['java'], base, False, args.runs))}")
    print(f"syntax pass, warm javac  java   {len(java_program().splitlines())} lines "
          f"{figures(timed_warm('java', java_program(), base, False, args.runs))}")
    for language in ("c", "java"):
        text = LARGE[language]()
        changes, saves = asyncio.run(over_lsp(text, args.runs, language))
        print(f"over LSP: change -> publish (syntax pass)   {language:4} {len(text.splitlines())} lines {figures(changes)}")
        print(f"over LSP: save -> publish (both passes)     {language:4} {len(text.splitlines())} lines {figures(saves)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
