import * as assert from "node:assert/strict";
import { test } from "node:test";

import { parseStatus, statusView } from "../status";

test("each server state has a distinct status bar text; the detail goes in the tooltip", () => {
  const texts = ["loading", "ready", "rules", "error"].map((state) => statusView(parseStatus({ state, detail: "d" }).state).text);
  assert.equal(new Set(texts).size, 4);
  assert.match(statusView("loading").text, /loading model/);
  assert.match(statusView("ready").text, /model ready/);
  assert.match(statusView("rules").text, /rules only/);
  const error = statusView("error", "The model file is not a GGUF file. Set errorTutor.modelPath.");
  assert.equal(error.isError, true);
  assert.match(error.tooltip, /not a GGUF file/);
  assert.equal(statusView("ready", "local model (1.2 s)").isError, false);
});

test("parseStatus keeps the detail and turns unexpected payloads into a visible error", () => {
  assert.deepEqual(parseStatus({ state: "ready", detail: "local model (0.4 s)" }), { state: "ready", detail: "local model (0.4 s)" });
  assert.deepEqual(parseStatus({ state: "rules" }), { state: "rules", detail: "" });
  const odd = parseStatus({ state: "dancing" });
  assert.equal(odd.state, "error");
  assert.match(odd.detail, /unexpected status/);
  assert.equal(parseStatus(undefined).state, "error");
});
