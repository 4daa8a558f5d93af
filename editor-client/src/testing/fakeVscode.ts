/**
 * A small stand-in for the `vscode` module: enough of the API for the real extension and the
 * real vscode-languageclient to run against the real language server in plain Node, recording
 * what would be shown (status bar, diagnostics, panels, messages). VS Code itself cannot be
 * downloaded on the build machines, so this is how the extension's wiring is exercised.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
import { fileURLToPath, pathToFileURL } from "url";

type Listener = (value: any) => any;

export class Disposable {
  constructor(private callback?: () => void) {}
  static from(...items: { dispose?: () => any }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item?.dispose?.()));
  }
  dispose(): void {
    this.callback?.();
    this.callback = undefined;
  }
}

export class EventEmitter<T = any> {
  private listeners: Listener[] = [];
  event = (listener: Listener, thisArg?: any, disposables?: Disposable[]) => {
    const bound = thisArg ? listener.bind(thisArg) : listener;
    this.listeners.push(bound);
    const d = new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== bound)));
    disposables?.push(d);
    return d;
  };
  fire(value?: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class CancellationError extends Error {}

export class CancellationTokenSource {
  private emitter = new EventEmitter<void>();
  token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string, private readonly href: string) {}
  static file(path: string): Uri {
    return new Uri("file", path, pathToFileURL(path).href);
  }
  static parse(value: string): Uri {
    const scheme = value.slice(0, value.indexOf(":"));
    return scheme === "file" ? Uri.file(fileURLToPath(value)) : new Uri(scheme, value.slice(scheme.length + 1), value);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: any, b: any, c?: number, d?: number) {
    [this.start, this.end] = typeof a === "number" ? [new Position(a, b), new Position(c!, d!)] : [a, b];
  }
}

export class Location {
  constructor(readonly uri: Uri, readonly range: Range) {}
}

export class Diagnostic {
  source?: string;
  code?: any;
  tags?: number[];
  relatedInformation?: any[];
  constructor(readonly range: Range, readonly message: string, readonly severity = DiagnosticSeverity.Error) {}
}

export class MarkdownString {
  isTrusted?: boolean;
  supportHtml?: boolean;
  constructor(public value = "", readonly supportThemeIcons = false) {}
  appendMarkdown(value: string): this {
    this.value += value;
    return this;
  }
  appendText(value: string): this {
    this.value += value;
    return this;
  }
  appendCodeblock(code: string, language = ""): this {
    this.value += "\n```" + language + "\n" + code + "\n```\n";
    return this;
  }
}

export class Hover {
  readonly contents: any[];
  constructor(contents: any, readonly range?: Range) {
    this.contents = Array.isArray(contents) ? contents : [contents];
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

// classes the client extends or tests with instanceof, unused by this extension's server
export class CodeAction {}
export class CallHierarchyItem {}
export class CodeLens {}
export class CompletionItem {}
export class DocumentLink {}
export class InlayHint {}
export class SymbolInformation {}
export class TypeHierarchyItem {}
export class TabInputText {}
export class TabInputTextDiff {}
export class TabInputCustom {}

export enum DiagnosticSeverity { Error = 0, Warning = 1, Information = 2, Hint = 3 }
export enum DiagnosticTag { Unnecessary = 1, Deprecated = 2 }
export enum StatusBarAlignment { Left = 1, Right = 2 }
export enum ViewColumn { Active = -1, Beside = -2, One = 1, Two = 2 }
export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
export enum NotebookCellKind { Markup = 1, Code = 2 }

export const version = "1.85.0";
export const env = { language: "en", appName: "Node test host", openExternal: async () => true };

/** What the extension showed or registered; tests read and drive it. */
export const host = {
  settings: {} as Record<string, unknown>,
  workspaceFolder: undefined as string | undefined,
  documents: [] as any[],
  statusItems: [] as any[],
  messages: [] as { kind: string; text: string }[],
  panels: [] as any[],
  commands: new Map<string, (...args: any[]) => any>(),
  hoverProviders: [] as any[],
  diagnostics: new Map<string, Diagnostic[]>(),
  output: [] as string[],
  onDidChangeConfiguration: new EventEmitter<any>(),
};

function message(kind: string) {
  return async (text: string) => {
    host.messages.push({ kind, text });
    return undefined;
  };
}

const noopEvent = new EventEmitter<any>().event;

export const workspace = {
  get workspaceFolders() {
    return host.workspaceFolder ? [{ uri: Uri.file(host.workspaceFolder), name: "lab", index: 0 }] : undefined;
  },
  get textDocuments() {
    return host.documents;
  },
  notebookDocuments: [],
  getConfiguration(section?: string) {
    const prefix = section ? section + "." : "";
    return {
      get: (key: string, fallback?: unknown) => host.settings[prefix + key] ?? section_(prefix + key) ?? fallback,
      has: (key: string) => prefix + key in host.settings,
    };
  },
  onDidChangeConfiguration: host.onDidChangeConfiguration.event,
  onDidOpenTextDocument: noopEvent,
  onDidChangeTextDocument: noopEvent,
  onDidCloseTextDocument: noopEvent,
  onDidSaveTextDocument: noopEvent,
  onWillSaveTextDocument: noopEvent,
  onDidChangeWorkspaceFolders: noopEvent,
  onDidOpenNotebookDocument: noopEvent,
  onDidChangeNotebookDocument: noopEvent,
  onDidSaveNotebookDocument: noopEvent,
  onDidCloseNotebookDocument: noopEvent,
  createFileSystemWatcher: () => ({ onDidCreate: noopEvent, onDidChange: noopEvent, onDidDelete: noopEvent, dispose() {} }),
  applyEdit: async () => false,
};

/** Like VS Code, a section such as "errorTutor" reads as a nested object of its settings. */
function section_(name: string): Record<string, unknown> | undefined {
  let found: Record<string, any> | undefined;
  for (const [key, value] of Object.entries(host.settings)) {
    if (!key.startsWith(name + ".")) continue;
    const parts = key.slice(name.length + 1).split(".");
    let node = (found ??= {});
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts[parts.length - 1]] = value;
  }
  return found;
}

function matches(selector: any, document: any): number {
  const filters = Array.isArray(selector) ? selector : [selector];
  return filters.some((f: any) => (typeof f === "string" ? f === document.languageId
    : (!f.language || f.language === document.languageId) && (!f.scheme || f.scheme === document.uri.scheme))) ? 10 : 0;
}

export const languages: any = new Proxy({
  match: matches,
  createDiagnosticCollection: (name: string) => ({
    name,
    set: (uri: Uri, items: Diagnostic[]) => host.diagnostics.set(uri.toString(), items),
    get: (uri: Uri) => host.diagnostics.get(uri.toString()),
    has: (uri: Uri) => host.diagnostics.has(uri.toString()),
    delete: (uri: Uri) => host.diagnostics.delete(uri.toString()),
    clear: () => host.diagnostics.clear(),
    forEach: () => undefined,
    dispose: () => undefined,
  }),
  registerHoverProvider: (selector: any, provider: any) => {
    host.hoverProviders.push({ selector, provider });
    return new Disposable(() => (host.hoverProviders = host.hoverProviders.filter((p) => p.provider !== provider)));
  },
}, {
  get: (target: any, name: string) => target[name] ?? (() => new Disposable()),  // other register*Provider
});

export const window = {
  activeTextEditor: undefined as any,
  onDidChangeActiveTextEditor: noopEvent,
  tabGroups: { all: [], onDidChangeTabs: noopEvent, onDidChangeTabGroups: noopEvent },
  createOutputChannel: (name: string) => ({
    name,
    append: (text: string) => host.output.push(text),
    appendLine: (text: string) => host.output.push(text),
    replace: () => undefined, clear: () => undefined, show: () => undefined, hide: () => undefined, dispose: () => undefined,
  }),
  createStatusBarItem: () => {
    const item = { text: "", tooltip: "", command: undefined, backgroundColor: undefined, visible: false,
      show() { item.visible = true; }, hide() { item.visible = false; }, dispose() {} };
    host.statusItems.push(item);
    return item;
  },
  createWebviewPanel: (viewType: string, title: string) => {
    const disposed = new EventEmitter<void>();
    const panel = { viewType, title, webview: { html: "" }, reveal() {}, onDidDispose: disposed.event,
      dispose() { disposed.fire(); } };
    host.panels.push(panel);
    return panel;
  },
  showInformationMessage: message("info"),
  showWarningMessage: message("warning"),
  showErrorMessage: message("error"),
  showTextDocument: async () => undefined,
  withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => any) =>
    task({ report() {} }, new CancellationTokenSource().token),
};

export const commands = {
  registerCommand: (id: string, callback: (...args: any[]) => any) => {
    host.commands.set(id, callback);
    return new Disposable(() => host.commands.delete(id));
  },
  executeCommand: async (id: string, ...args: any[]) => {
    if (id === "markdown.api.render") return `<div class="markdown">${args[0]}</div>`;
    const command = host.commands.get(id);
    if (!command) throw new Error(`command '${id}' not found`);
    return command(...args);
  },
};

/** Any other capitalised name (an enum or class this extension never uses): an inert class
 * whose properties are again such values, so the client's converters can be built. */
function inert(name: string): any {
  const cls = { [name]: class {} }[name];
  return new Proxy(cls, {
    get: (target: any, key) => (key in target || typeof key !== "string" ? target[key] : inert(`${name}.${key}`)),
  });
}

module.exports = new Proxy(exports, {
  get: (target: any, key) => (key in target || typeof key !== "string" || !/^[A-Z]/.test(key) ? target[key] : inert(key)),
});
