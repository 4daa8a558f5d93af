// The packaged extension (out/extension.js, with vscode-languageclient bundled in) running in
// Node against the real language server from the repository's .venv, with the `vscode` module
// replaced by src/testing/fakeVscode.ts. Rules-only backend: the server starts in about a second.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON = path.resolve(ROOT, "..", ".venv", "bin", "python");
const SKIP = fs.existsSync(PYTHON) ? false : `no ${PYTHON}: run 'make setup' in the repository first`;
const PROGRAM = "#include <stdio.h>\nint main(void)\n{\n    int total = 0\n    printf(\"%d\\n\", total);\n    return 0;\n}\n";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === "vscode" ? require.resolve("../testing/fakeVscode") : resolve.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-var-requires
const vscode = require("vscode") as typeof import("../testing/fakeVscode");
const { host } = vscode;

let extension: { activate(context: unknown): Promise<void>; deactivate(): Promise<void> };
let folder: string;
let document: any;

async function until<T>(what: string, ms: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${host.output.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function hoverAt(line: number, character: number): Promise<string> {
  const { provider } = host.hoverProviders[0];
  const hover = await provider.provideHover(document, new vscode.Position(line, character),
    new vscode.CancellationTokenSource().token);
  return hover.contents.map((c: any) => c.value ?? c).join("\n");
}

before(async () => {
  if (SKIP) return;
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "error-tutor-ext-"));
  const file = path.join(folder, "prog.c");
  fs.writeFileSync(file, PROGRAM);
  document = { uri: vscode.Uri.file(file), fileName: file, languageId: "c", version: 1, isClosed: false,
    isDirty: false, isUntitled: false, lineCount: PROGRAM.split("\n").length, getText: () => PROGRAM };
  host.workspaceFolder = folder;
  host.documents.push(document);
  Object.assign(host.settings, { "errorTutor.backend": "none", "errorTutor.cacheDir": path.join(folder, "cache"),
    "errorTutor.server.pythonPath": PYTHON, "errorTutor.maxTokens": 3 /* invalid: reported, defaulted */ });
  extension = require(path.join(ROOT, "out", "extension.js"));
  const packageJSON = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  await extension.activate({ subscriptions: [], extension: { packageJSON } });
});

after(async () => {
  if (SKIP) return;
  await extension.deactivate();
  fs.rmSync(folder, { recursive: true, force: true });
});

test("the server starts with the configured interpreter and the status bar shows its state", { skip: SKIP }, async () => {
  assert.ok(host.output.some((line) => line.includes(`server.pythonPath): ${PYTHON} -m error_tutor_server serve`)));
  const item = host.statusItems[0];
  await until("the errorTutor/status notification", 30_000, () => item.text.includes("rules only"));
  assert.equal(item.visible, true);
  assert.match(item.tooltip, /rule-based explanations only/);
  assert.equal(item.command, "errorTutor.explainAtCursor");
  const invalid = host.messages.filter((m) => m.text.includes("errorTutor.maxTokens = 3 is invalid"));
  assert.equal(invalid.length, 1, "an invalid setting is reported once, and the server gets the default");
});

test("gcc's diagnostic reaches the editor and the hover explains it", { skip: SKIP }, async () => {
  const items = await until("diagnostics", 30_000, () => host.diagnostics.get(document.uri.toString())?.length
    ? host.diagnostics.get(document.uri.toString()) : undefined);
  const error = items.find((d) => d.message.includes("';'"));
  assert.ok(error, JSON.stringify(items));
  assert.equal(error.severity, vscode.DiagnosticSeverity.Error);
  assert.equal(error.source, "gcc");
  assert.equal(error.range.start.line, 4);
  const markdown = await hoverAt(error.range.start.line, error.range.start.character);
  assert.match(markdown, /\*\*What it means:\*\*/);
  assert.match(markdown, /line 4: `int total = 0`/);
  // the server asked for section errorTutor and accepted every value (no "unknown setting")
  const complaints = host.messages.filter((m) => m.kind !== "info" && !m.text.includes("errorTutor.maxTokens = 3"));
  assert.deepEqual(complaints, []);
});

test("Explain at Cursor opens a side panel; rating reports why nothing was stored", { skip: SKIP }, async () => {
  vscode.window.activeTextEditor = { document, selection: { active: new vscode.Position(4, 4) } };
  await vscode.commands.executeCommand("errorTutor.explainAtCursor");
  const panel = host.panels.at(-1);
  assert.equal(panel.title, "Error Tutor: line 5");
  assert.match(panel.webview.html, /What it means/);
  assert.match(panel.webview.html, /Content-Security-Policy/);
  await vscode.commands.executeCommand("errorTutor.rateHelpful");
  assert.match(host.messages.at(-1)!.text, /Rating not stored: Feedback collection is off/);
  vscode.window.activeTextEditor = { document, selection: { active: new vscode.Position(0, 0) } };
  await vscode.commands.executeCommand("errorTutor.explainAtCursor");
  assert.match(host.messages.at(-1)!.text, /No Error Tutor diagnostic at the cursor/);
});

test("a changed setting reaches the running server", { skip: SKIP }, async () => {
  const before = await hoverAt(4, 4);
  assert.doesNotMatch(before, /\*\*Fix:\*\*/);
  host.settings["errorTutor.hintLevel"] = "fix";
  host.onDidChangeConfiguration.fire({ affectsConfiguration: (s: string) => s === "errorTutor" || s === "errorTutor.hintLevel" });
  // the server re-checks the file with the new settings; a hover then gives the fix too
  const markdown = await until("a hover with the fix", 30_000, async () => {
    const text = await hoverAt(4, 4);
    return text.includes("**Fix:**") && text;
  });
  assert.match(markdown, /\*\*Hint:\*\*/);
});
