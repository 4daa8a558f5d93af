import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

import { answerConfiguration, needsRestart, serverSchema, toServerOptions, validateSetting } from "../settings";

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8"));
const schema = serverSchema(pkg);

function optionsFrom(values: Record<string, unknown>) {
  return toServerOptions((name) => values[name], schema);
}

test("unset settings become the server's defaults, and server.* settings are not sent", () => {
  const { options, problems } = optionsFrom({});
  assert.deepEqual(problems, []);
  assert.equal(options.hintLevel, "hint");
  assert.equal(options.backend, "local");
  assert.deepEqual(options.enabledLanguages, ["c", "python", "java"]);
  assert.equal(options.maxTokens, 160);
  assert.ok(!("server.pythonPath" in options) && !("server.command" in options) && !("server" in options));
  assert.equal(Object.keys(options).length, Object.keys(schema).length - 1);
  assert.ok(!("remoteApiKeyEnv" in options), "the server refuses it from an editor: not sent at its default");
});

test("remoteApiKeyEnv is sent only when changed, so the server can say it ignores it", () => {
  assert.ok(!("remoteApiKeyEnv" in optionsFrom({ remoteApiKeyEnv: "ERROR_TUTOR_API_KEY" }).options));
  assert.equal(optionsFrom({ remoteApiKeyEnv: "LAB_TOKEN" }).options.remoteApiKeyEnv, "LAB_TOKEN");
});

test("valid values are passed through unchanged", () => {
  const { options, problems } = optionsFrom({ hintLevel: "fix", examMode: true, cFlags: ["-std=c99"],
    compileTimeoutS: 2.5, threads: 2, gpuLayers: -1, remoteUrl: "http://127.0.0.1:8000/v1" });
  assert.deepEqual(problems, []);
  assert.equal(options.hintLevel, "fix");
  assert.equal(options.examMode, true);
  assert.deepEqual(options.cFlags, ["-std=c99"]);
  assert.equal(options.compileTimeoutS, 2.5);
  assert.equal(options.gpuLayers, -1);
});

test("invalid values fall back to the default with a message naming the setting and the fix", () => {
  const { options, problems } = optionsFrom({ hintLevel: "solve", threads: 1.5, maxTokens: 3,
    enabledLanguages: ["c", "rust"], examMode: "yes" });
  assert.equal(options.hintLevel, "hint");
  assert.equal(options.threads, 0);
  assert.equal(options.maxTokens, 160);
  assert.deepEqual(options.enabledLanguages, ["c", "python", "java"]);
  assert.equal(options.examMode, false);
  assert.equal(problems.length, 5);
  assert.match(problems.join("\n"), /errorTutor\.hintLevel = "solve" is invalid \(expected one of explain, hint, fix\)/);
  assert.match(problems.join("\n"), /errorTutor\.maxTokens = 3 is invalid \(must be at least 16\)/);
  assert.match(problems.join("\n"), /unknown rust/);
  assert.ok(problems.every((p) => p.includes("Settings > Extensions > Error Tutor")));
});

test("validateSetting checks type, enum, minimum and list items", () => {
  assert.equal(validateSetting("clang", schema.cCompiler), undefined);
  assert.equal(validateSetting("tcc", schema.cCompiler), "expected one of gcc, clang, auto");
  assert.equal(validateSetting("3", schema.threads), "expected a whole number");
  assert.equal(validateSetting(0.2, schema.compileTimeoutS), "must be at least 0.5");
  assert.equal(validateSetting(["-O2", 3], schema.cFlags), "expected a list of strings");
  assert.equal(validateSetting(true, schema.feedback), undefined);
});

test("only errorTutor.server.* changes need a restart", () => {
  assert.equal(needsRestart((s) => s === "errorTutor.server"), true);
  assert.equal(needsRestart((s) => s === "errorTutor.hintLevel"), false);
});

test("a manifest without configuration is reported, not silently empty", () => {
  assert.throws(() => serverSchema({}), /contributes\.configuration\.properties/);
});

test("the server's workspace/configuration request gets the server settings for errorTutor only", () => {
  const options = () => ({ hintLevel: "explain" });
  const vscodeAnswer = [{ hintLevel: "explain", server: { pythonPath: "/x" } }, { tabSize: 4 }];
  assert.deepEqual(answerConfiguration([{ section: "errorTutor" }, { section: "editor" }], vscodeAnswer, options),
    [{ hintLevel: "explain" }, { tabSize: 4 }]);
  const failure = { code: -32603, message: "failed" };
  assert.equal(answerConfiguration([{ section: "errorTutor" }], failure, options), failure);
});
