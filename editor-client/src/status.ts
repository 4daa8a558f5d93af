/**
 * What the status bar shows for the server's `errorTutor/status` notification
 * (`{state: "loading" | "ready" | "rules" | "error", detail}`). No `vscode` import.
 */

export type ModelState = "starting" | "loading" | "ready" | "rules" | "error" | "stopped";

export interface StatusView {
  text: string;
  tooltip: string;
  /** Whether the item should use the error background colour. */
  isError: boolean;
}

const VIEWS: Record<ModelState, { icon: string; label: string; meaning: string }> = {
  starting: { icon: "$(loading~spin)", label: "starting", meaning: "The language server is starting." },
  loading: { icon: "$(loading~spin)", label: "loading model", meaning: "Loading the explanation model; hovers are rule-based meanwhile." },
  ready: { icon: "$(mortar-board)", label: "model ready", meaning: "Explanations are written by the model and checked before they are shown." },
  rules: { icon: "$(book)", label: "rules only", meaning: "Explanations are rule-based (no model in use)." },
  error: { icon: "$(warning)", label: "error", meaning: "The model is unavailable; explanations are rule-based." },
  stopped: { icon: "$(circle-slash)", label: "stopped", meaning: "The language server is not running. Run 'Error Tutor: Restart Language Server'." },
};

/** Accepts whatever the server sent; an unknown state is shown as an error rather than dropped. */
export function parseStatus(params: unknown): { state: ModelState; detail: string } {
  const raw = (params ?? {}) as { state?: unknown; detail?: unknown };
  const detail = typeof raw.detail === "string" ? raw.detail : "";
  const state = typeof raw.state === "string" && raw.state in VIEWS ? (raw.state as ModelState) : undefined;
  if (state === undefined) {
    return { state: "error", detail: `unexpected status from the server: ${JSON.stringify(params)}` };
  }
  return { state, detail };
}

export function statusView(state: ModelState, detail = ""): StatusView {
  const view = VIEWS[state];
  const lines = [`Error Tutor: ${view.meaning}`];
  if (detail) lines.push(detail);
  lines.push("Click to explain the error at the cursor.");
  return { text: `${view.icon} Error Tutor: ${view.label}`, tooltip: lines.join("\n\n"), isError: state === "error" };
}
