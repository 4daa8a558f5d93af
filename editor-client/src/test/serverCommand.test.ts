import * as assert from "node:assert/strict";
import { test } from "node:test";

import { describeCommand, expand, resolveServerCommand, SERVER_MODULE_ARGS } from "../serverCommand";

const none = () => false;
const home = "/home/student";

test("default: the workspace's .venv interpreter when it exists", () => {
  const seen: string[] = [];
  const resolved = resolveServerCommand({ workspaceFolder: "/work/lab1", platform: "linux", homeDir: home,
    exists: (file) => (seen.push(file), file === "/work/lab1/.venv/bin/python") });
  assert.deepEqual(resolved, { command: "/work/lab1/.venv/bin/python", args: SERVER_MODULE_ARGS,
    origin: "workspace .venv", problem: undefined });
  assert.deepEqual(seen, ["/work/lab1/.venv/bin/python"]);
});

test("default without a .venv or workspace: python3 from PATH (python on Windows)", () => {
  assert.equal(resolveServerCommand({ workspaceFolder: "/work/lab1", platform: "linux", exists: none }).command, "python3");
  assert.equal(resolveServerCommand({ platform: "linux", exists: () => true }).command, "python3");
  const win = resolveServerCommand({ workspaceFolder: "C:\\lab", platform: "win32", exists: (f) => f === "C:\\lab\\.venv\\Scripts\\python.exe" });
  assert.equal(win.command, "C:\\lab\\.venv\\Scripts\\python.exe");
  assert.equal(resolveServerCommand({ platform: "win32", exists: none }).command, "python");
});

test("pythonPath wins over the .venv and expands ${workspaceFolder} and ~", () => {
  const resolved = resolveServerCommand({ pythonPath: "~/venvs/tutor/bin/python", workspaceFolder: "/w",
    platform: "linux", homeDir: home, exists: () => true });
  assert.equal(resolved.command, "/home/student/venvs/tutor/bin/python");
  assert.deepEqual(resolved.args, ["-m", "error_tutor_server", "serve"]);
  assert.equal(resolved.origin, "server.pythonPath");
  assert.equal(resolveServerCommand({ pythonPath: "${workspaceFolder}/env/bin/python", workspaceFolder: "/w",
    exists: none }).command, "/w/env/bin/python");
});

test("a full command overrides everything", () => {
  const resolved = resolveServerCommand({ command: ["error-tutor", "serve"], pythonPath: "/usr/bin/python3",
    workspaceFolder: "/w", exists: () => true });
  assert.deepEqual([resolved.command, resolved.args, resolved.origin], ["error-tutor", ["serve"], "server.command"]);
});

test("a malformed command is ignored with a message, falling back to the interpreter", () => {
  const resolved = resolveServerCommand({ command: ["error-tutor", 3], workspaceFolder: "/w", platform: "linux", exists: none });
  assert.equal(resolved.command, "python3");
  assert.match(resolved.problem ?? "", /errorTutor\.server\.command must be a list of non-empty strings/);
  assert.match(resolveServerCommand({ command: "error-tutor serve", exists: none }).problem ?? "", /list of strings/);
  assert.equal(resolveServerCommand({ command: [], exists: none }).problem, undefined);
});

test("expand and describeCommand", () => {
  assert.equal(expand("${userHome}/x", undefined, home), "/home/student/x");
  assert.equal(expand("${workspaceFolder}/x", undefined, home), "${workspaceFolder}/x");
  assert.equal(describeCommand({ command: "/my env/python", args: ["-m", "x"], origin: "PATH" }), '"/my env/python" -m x');
});
