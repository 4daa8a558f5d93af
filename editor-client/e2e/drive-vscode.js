#!/usr/bin/env node
/**
 * Drives the Error Tutor extension in a real VS Code (code-server, in Debian's headless Chromium)
 * the way a student would: open a file, wait for the squiggle, hover it, run the commands from
 * the Command Palette, change settings. tests/test_vscode.py starts code-server, runs this once
 * and asserts on the JSON report it writes; each step also leaves a screenshot.
 *
 *   node drive-vscode.js CONFIG.json
 *
 * CONFIG: { url, workspace, settingsFile, outDir, chromium, playwrightCore, files: {c, python, java} }
 * Settings are changed in VS Code's own settings.json editor.
 * The report ({steps: [{name, ms, ...}], error?}) is rewritten after every step, so a failure
 * leaves everything up to it, plus failure.png.
 */
"use strict";

const fs = require("fs");
const path = require("path");

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { chromium } = require(config.playwrightCore);

const report = { steps: [], statusTexts: [], browserErrors: [] };
const reportPath = path.join(config.outDir, "report.json");
const save = () => fs.writeFileSync(reportPath, JSON.stringify(report, null, 2));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `probe` until it returns something truthy; fail naming `what` after `ms`. */
async function until(what, ms, probe, every = 150) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

async function step(name, body) {
  const started = Date.now();
  const entry = { name };
  report.steps.push(entry);
  try {
    Object.assign(entry, (await body()) || {});
  } finally {
    entry.ms = Date.now() - started;
    save();
  }
  return entry;
}

/**
 * Change user settings the way a person does: in "Preferences: Open User Settings (JSON)",
 * replace the text, save, close; then the editor that was active is active again.
 */
async function changeSettings(page, changes) {
  const current = JSON.parse(fs.readFileSync(config.settingsFile, "utf8"));
  const text = JSON.stringify({ ...current, ...changes });  // one line: nothing for auto-indent to touch
  await palette(page, ">", "Preferences: Open User Settings (JSON)");
  await page.locator(".editor-group-container.active .tab.active", { hasText: "settings.json" }).waitFor({ timeout: 15_000 });
  await page.locator(".editor-group-container.active .monaco-editor textarea").focus();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
  await page.keyboard.press("Control+S");
  await until("settings.json to be saved", 10_000, () => {
    try {
      return JSON.stringify(JSON.parse(fs.readFileSync(config.settingsFile, "utf8"))) === text;
    } catch {
      return false;
    }
  });
  await page.keyboard.press("Control+W");
}

async function main() {
  fs.mkdirSync(config.outDir, { recursive: true });
  // a fresh profile; desktop VS Code opens its first window at 1024 x 768
  const browser = await chromium.launchPersistentContext(path.join(config.outDir, "chromium-profile"), {
    executablePath: config.chromium,
    headless: true,
    viewport: { width: 1024, height: 768 },
    // a closed network: without these Chromium keeps trying to reach Google's services
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const page = browser.pages()[0] || await browser.newPage();
  page.on("pageerror", (error) => report.browserErrors.push(String(error)));
  const shot = async (name) => {
    const file = path.join(config.outDir, `${name}.png`);
    await page.screenshot({ path: file });
    return file;
  };

  try {
    await run(page, shot);
  } catch (error) {
    report.error = String(error && error.stack ? error.stack : error);
    try { report.failureScreenshot = await shot("failure"); } catch { /* the page is gone */ }
    save();
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

/** Text of the extension's status bar item (not the progress VS Code shows beside it), or "". */
const statusText = (page) => page.evaluate(() => {
  const item = [...document.querySelectorAll(".statusbar-item")].find((e) => e.id.startsWith("error-tutor.error-tutor"));
  return item ? item.textContent.trim() : "";
});

async function palette(page, prefix, label) {
  await page.keyboard.press("Escape");
  await page.keyboard.press(prefix === ">" ? "F1" : "Control+P");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(prefix === ">" ? `>${label}` : label);
  // Enter before the filtered list has the row in focus would pick whatever was there before
  // (Quick Open first lists the recently opened files)
  const row = page.locator(".quick-input-list .monaco-list-row.focused", { hasText: label }).first();
  await row.waitFor({ state: "visible", timeout: 15_000 });
  await page.keyboard.press("Enter");
}

/** Open a workspace file with Quick Open and wait until its editor is the active one. */
async function openFile(page, file) {
  await palette(page, "", file);
  await page.locator(".editor-group-container.active .tab.active", { hasText: file }).waitFor({ timeout: 15_000 });
}

/** The topmost error squiggle in the visible editor, as a box. */
async function squiggle(page, ms) {
  return until("an error squiggle", ms, async () => {
    if (/stopped/.test(await statusText(page))) throw new Error("the language server stopped (see its log)");
    return squiggleBox(page);
  });
}

function squiggleBox(page) {
  return page.evaluate(() => {
    const boxes = [...document.querySelectorAll(".editor-group-container.active .squiggly-error")]
      .map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0);
    boxes.sort((a, b) => a.top - b.top || a.left - b.left);
    return boxes.length ? { x: boxes[0].left, y: boxes[0].top, width: boxes[0].width, height: boxes[0].height } : null;
  });
}

/** Hover the squiggle until the hover shows what `wanted` accepts; returns its text and size. */
async function hover(page, box, what, wanted, ms = 30_000) {
  return until(what, ms, async () => {
    await page.mouse.move(5, 5);
    await page.keyboard.press("Escape");
    await sleep(100);
    await page.mouse.move(box.x + Math.min(box.width / 2, 12), box.y + box.height / 2, { steps: 3 });
    let seen;
    try {
      seen = await until("the hover", 4000, () => readHover(page), 200);
    } catch {
      return null;
    }
    if (!wanted(seen.text)) return null;
    await sleep(400);  // a hover provider that answers later adds its part: read it again
    seen = await readHover(page);
    return seen && wanted(seen.text) ? seen : null;
  }, 250);
}

/** The visible hover's text and heights, or null while there is none (or it is still loading). */
const readHover = (page) => page.evaluate(() => {
  const widget = [...document.querySelectorAll(".monaco-hover")].find((e) => e.offsetHeight > 0 &&
    e.querySelector(".monaco-hover-content") && !e.closest(".quick-input-widget"));
  if (!widget) return null;
  const content = widget.querySelector(".monaco-hover-content");
  const text = content.innerText.trim();
  if (!text || /Loading\.\.\./.test(text)) return null;
  const scrollable = widget.querySelector(".monaco-scrollable-element") || widget;
  return {
    text,
    // what the hover needs, and what VS Code shows of it (it scrolls the rest)
    contentHeight: Math.round(content.scrollHeight),
    shownHeight: Math.round(scrollable.getBoundingClientRect().height),
    maxHeight: getComputedStyle(content).maxHeight,
  };
});

async function openAndHover(page, shot, language, file) {
  const opened = await step(`${language}: open ${file}, diagnostic shown`, async () => {
    await openFile(page, file);
    const box = await squiggle(page, 60_000);
    return { box };
  });
  await step(`${language}: hover explains the diagnostic`, async () => {
    const seen = await hover(page, opened.box, `a hover with an explanation on ${file}`,
      (text) => /What it means/.test(text));
    return { ...seen, screenshot: await shot(`hover-${language}`), closeup: await closeup(page, `hover-${language}-closeup`) };
  });
}

/** The active editor down to just below the hover: the picture for the README. */
async function closeup(page, name) {
  const clip = await page.evaluate(() => {
    const group = document.querySelector(".editor-group-container.active").getBoundingClientRect();
    const widget = [...document.querySelectorAll(".monaco-hover")].find((e) => e.offsetHeight > 0);
    const box = widget ? widget.getBoundingClientRect() : group;
    const left = Math.max(0, Math.min(group.left, box.left - 12));
    const right = Math.min(window.innerWidth, Math.max(group.right, box.right + 12));
    const bottom = Math.min(window.innerHeight, widget ? box.bottom + 16 : group.bottom);
    return { x: left, y: group.top, width: right - left, height: bottom - group.top };
  });
  const file = path.join(config.outDir, `${name}.png`);
  await page.screenshot({ path: file, clip });
  return file;
}

async function run(page, shot) {
  await step("workbench loads", async () => {
    await page.goto(`${config.url}/?folder=${encodeURIComponent(config.workspace)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await page.locator(".statusbar").waitFor({ timeout: 60_000 });
    // every text the status bar item shows, as it changes, in order
    await page.exposeFunction("errorTutorStatus", (text) => {
      if (report.statusTexts.at(-1) !== text) report.statusTexts.push(text);
    });
    await page.exposeFunction("errorTutorStatusIds", (text) => { if (text) report.statusIds = text; });
    await page.evaluate(() => {
      const read = () => {
        const item = [...document.querySelectorAll(".statusbar-item")].find((e) => e.id.startsWith("error-tutor.error-tutor"));
        if (item) window.errorTutorStatus(item.textContent.trim());
        const ids = [...document.querySelectorAll(".statusbar-item")].map((e) => `${e.id}=${e.textContent.trim()}`);
        window.errorTutorStatusIds(ids.filter((t) => t.includes("Error Tutor")).join(" | "));
      };
      new MutationObserver(read).observe(document.querySelector(".statusbar"),
        { subtree: true, childList: true, characterData: true, attributes: true });
    });
    return { screenshot: await shot("workbench") };
  });

  await openAndHover(page, shot, "c", config.files.c);
  await openAndHover(page, shot, "python", config.files.python);
  await openAndHover(page, shot, "java", config.files.java);

  await step("status bar: the model is ready", async () => {
    const text = await until("the status bar to say the model is ready", 120_000, async () => {
      const now = await statusText(page);
      return /model ready|error/.test(now) && now;
    });
    return { text, screenshot: await shot("status-ready") };
  });

  let cBox;
  await step("explain panel: Explain the Error at the Cursor", async () => {
    await openFile(page, config.files.c);
    cBox = await squiggle(page, 30_000);
    await page.mouse.click(cBox.x + 2, cBox.y + cBox.height / 2);  // the cursor onto the error
    await palette(page, ">", "Error Tutor: Explain the Error at the Cursor");
    const text = await until("the explanation panel's text", 120_000, async () => {
      for (const frame of page.frames()) {
        try {
          const body = await frame.evaluate(() => document.body ? document.body.innerText : "");
          if (/What it means/.test(body)) return body.trim();
        } catch { /* a frame that is going away */ }
      }
      return null;
    }, 300);
    const tab = await page.locator(".tab", { hasText: "Error Tutor: line" }).first().innerText();
    return { text, tab: tab.trim(), screenshot: await shot("explain-panel") };
  });

  await step("rating: Rate the Explanation at the Cursor: Helpful", async () => {
    await palette(page, ">", "Error Tutor: Rate the Explanation at the Cursor: Helpful");
    const toast = await until("the rating's notification", 30_000, () => page.evaluate(() => {
      const toasts = [...document.querySelectorAll(".notification-toast")].map((e) => e.innerText);
      return toasts.find((t) => /rating/i.test(t)) || null;
    }));
    return { toast: toast.trim(), screenshot: await shot("rating") };
  });

  await step("settings: hintLevel fix changes the next hover", async () => {
    const before = await hover(page, cBox, "the hover before the change", (text) => /What it means/.test(text));
    await changeSettings(page, { "errorTutor.hintLevel": "fix" });
    const after = await hover(page, cBox, "a hover with the fix after hintLevel = fix",
      (text) => /What it means/.test(text) && /\bFix:/.test(text), 45_000);
    return { before: before.text, text: after.text, screenshot: await shot("hint-level-fix") };
  });

  await step("settings: backend none shows rules only", async () => {
    await changeSettings(page, { "errorTutor.backend": "none" });
    const text = await until("the status bar to say rules only", 30_000, async () => {
      const now = await statusText(page);
      return /rules only/.test(now) && now;
    });
    const seen = await hover(page, cBox, "a hover after backend = none", (t) => /What it means/.test(t));
    return { text, hover: seen.text, screenshot: await shot("rules-only") };
  });

  await step("settings: exam mode shows diagnostics without explanations", async () => {
    await changeSettings(page, { "errorTutor.examMode": true });
    const seen = await hover(page, cBox, "a hover without an explanation in exam mode",
      (text) => !/What it means/.test(text), 45_000);
    const box = await squiggle(page, 10_000);
    return { ...seen, squiggle: box, screenshot: await shot("exam-mode") };
  });
}

main().catch((error) => {
  report.error = String(error && error.stack ? error.stack : error);
  save();
  process.exitCode = 1;
});
