// package.json contributes exactly the language server's settings (server-settings.json is
// written from the server's settings_schema() by scripts/dump_settings.py).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

import { CLIENT_ONLY_PREFIX, SECTION, serverSchema } from "../settings";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const server: Record<string, any> = JSON.parse(fs.readFileSync(path.join(ROOT, "server-settings.json"), "utf8"));
const contributed = serverSchema(pkg);

test("every server setting is contributed and nothing else", () => {
  assert.deepEqual(Object.keys(contributed).sort(), Object.keys(server).sort());
});

test("each contributed setting has the server's default, type, enum, items and minimum", () => {
  for (const [name, expected] of Object.entries(server)) {
    const schema = contributed[name];
    assert.deepEqual(schema.default, expected.default, `${name}: default`);
    assert.equal(schema.type, expected.type, `${name}: type`);
    assert.deepEqual(schema.enum, expected.enum, `${name}: enum`);
    assert.deepEqual(schema.items, expected.items, `${name}: items`);
    assert.equal(schema.minimum, expected.minimum, `${name}: minimum`);
    assert.ok((schema.markdownDescription ?? schema.description ?? "").length > 20, `${name}: description`);
  }
});

test("the extension's own settings start the server and have safe defaults", () => {
  const properties = pkg.contributes.configuration.properties;
  const own = Object.keys(properties).filter((key) => key.startsWith(`${SECTION}.${CLIENT_ONLY_PREFIX}`)).sort();
  assert.deepEqual(own, ["errorTutor.server.command", "errorTutor.server.pythonPath"]);
  assert.equal(properties["errorTutor.server.pythonPath"].default, "");
  assert.deepEqual(properties["errorTutor.server.command"].default, []);
  assert.ok(Object.keys(properties).every((key) => key.startsWith(SECTION + ".")));
});

test("the manifest activates on the three languages and declares every command", () => {
  assert.deepEqual(pkg.activationEvents, ["onLanguage:c", "onLanguage:python", "onLanguage:java"]);
  assert.equal(pkg.main, "./out/extension.js");
  const commands = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(commands, ["errorTutor.explainAtCursor", "errorTutor.rateHelpful",
    "errorTutor.rateNotHelpful", "errorTutor.restartServer"]);
  assert.match(pkg.dependencies["vscode-languageclient"], /^\^9\./);
});

test("the bundled extension needs nothing at run time but vscode and Node's built-ins", () => {
  // packaged with --no-dependencies, so vscode-languageclient must be inside out/extension.js
  const bundle = fs.readFileSync(path.join(ROOT, "out", "extension.js"), "utf8");
  const required = new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
  const builtins = new Set(require("node:module").builtinModules as string[]);
  const foreign = [...required].filter((name) => name !== "vscode" && !builtins.has(name.replace(/^node:/, "")));
  assert.deepEqual(foreign, []);
  assert.ok(required.has("vscode"));
  assert.match(bundle, /errorTutor\/status/);
});
