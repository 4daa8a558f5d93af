/**
 * Error Tutor for VS Code: starts `python -m error_tutor_server serve` over stdio and wires
 * its diagnostics, hovers, commands and `errorTutor/status` notification into the editor.
 *
 * What can be tested without VS Code lives in settings.ts, serverCommand.ts and status.ts.
 */

import * as fs from "fs";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

import { describeCommand, resolveServerCommand, ServerCommand } from "./serverCommand";
import { answerConfiguration, needsRestart, SchemaTable, SECTION, serverSchema, ServerOptions as TutorOptions, toServerOptions } from "./settings";
import { ModelState, parseStatus, statusView } from "./status";

const LANGUAGES = ["c", "python", "java"];
const STATUS_NOTIFICATION = "errorTutor/status";
const NO_DIAGNOSTIC = "No Error Tutor diagnostic at the cursor. Put the cursor on a squiggle " +
  "(after the file has been checked) and try again.";

interface Position0 {
  uri: string;
  line: number;
  character: number;
}

class TutorExtension implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private readonly output = vscode.window.createOutputChannel("Error Tutor");
  private readonly statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private readonly warned = new Set<string>();
  private command: ServerCommand | undefined;

  constructor(private readonly schema: SchemaTable) {
    this.statusItem.command = "errorTutor.explainAtCursor";
    this.showStatus("starting");
    this.statusItem.show();
  }

  /** The server's settings as VS Code has them now; invalid values are reported once and defaulted. */
  readOptions(): TutorOptions {
    const config = vscode.workspace.getConfiguration(SECTION);
    const result = toServerOptions((name) => config.get(name), this.schema);
    for (const problem of result.problems) this.warnOnce(problem);
    return result;
  }

  private warnOnce(message: string): void {
    this.output.appendLine(`[client] ${message}`);
    if (!this.warned.has(message)) {
      this.warned.add(message);
      void vscode.window.showWarningMessage(message);
    }
  }

  private showStatus(state: ModelState, detail = ""): void {
    const view = statusView(state, detail);
    this.statusItem.text = view.text;
    this.statusItem.tooltip = view.tooltip;
    this.statusItem.backgroundColor = view.isError ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  private resolveCommand(): ServerCommand {
    const config = vscode.workspace.getConfiguration(SECTION);
    const resolved = resolveServerCommand({
      command: config.get("server.command"),
      pythonPath: config.get("server.pythonPath"),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      exists: (file) => fs.existsSync(file),
    });
    if (resolved.problem) this.warnOnce(resolved.problem);
    this.output.appendLine(`[client] starting the server (${resolved.origin}): ${describeCommand(resolved)}`);
    return resolved;
  }

  private buildClient(resolved: ServerCommand): LanguageClient {
    const serverOptions: ServerOptions = {
      command: resolved.command,
      args: resolved.args,
      // no `transport`: TransportKind.stdio would append "--stdio", which `serve` does not take;
      // without it the client still talks over the process's stdin/stdout
      options: {
        cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
        env: { ...process.env, HF_HUB_OFFLINE: "1" },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.map((language) => ({ scheme: "file", language })),
      initializationOptions: this.readOptions().options,
      outputChannel: this.output,
      diagnosticCollectionName: "error-tutor",
      markdown: { isTrusted: false, supportHtml: false },
      middleware: {
        workspace: {
          // the server asks for section "errorTutor": answer with the validated server settings only
          configuration: async (params, token, next) =>
            answerConfiguration(params.items, await next(params, token), () => this.readOptions().options) as any,
        },
      },
    };
    const client = new LanguageClient("errorTutor", "Error Tutor", serverOptions, clientOptions);
    client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      const { state, detail } = parseStatus(params);
      this.showStatus(state, detail);
      this.output.appendLine(`[client] model ${state}${detail ? ": " + detail : ""}`);
    });
    return client;
  }

  async start(): Promise<void> {
    this.showStatus("starting");
    this.command = this.resolveCommand();
    this.client = this.buildClient(this.command);
    try {
      await this.client.start();
    } catch (error) {
      this.client = undefined;
      const message = `Error Tutor could not start its language server with '${describeCommand(this.command)}' ` +
        `(${error instanceof Error ? error.message : String(error)}). Install it in that Python ` +
        "(pip install error-tutor) or set errorTutor.server.pythonPath / errorTutor.server.command, " +
        "then run 'Error Tutor: Restart Language Server'.";
      this.showStatus("stopped", message);
      this.output.appendLine(`[client] ${message}`);
      void vscode.window.showErrorMessage(message, "Show Log").then((pick) => pick && this.output.show());
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.appendLine(`[client] stopping the server failed: ${String(error)}`);
      }
    }
    this.showStatus("stopped");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Settings changed: restart for `errorTutor.server.*`, otherwise tell the running server. */
  async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration(SECTION)) return;
    if (needsRestart((section) => event.affectsConfiguration(section))) {
      await this.restart();
      return;
    }
    if (this.client?.isRunning()) {
      await this.client.sendNotification(DidChangeConfigurationNotification.type,
        { settings: { [SECTION]: this.readOptions().options } });
    }
  }

  private cursor(): Position0 | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !LANGUAGES.includes(editor.document.languageId)) {
      void vscode.window.showInformationMessage("Open a C, Python or Java file and put the cursor on an error.");
      return undefined;
    }
    const { line, character } = editor.selection.active;
    return { uri: editor.document.uri.toString(), line, character };
  }

  private async execute(command: string, args: unknown[]): Promise<unknown> {
    if (!this.client?.isRunning()) {
      void vscode.window.showWarningMessage("The Error Tutor server is not running. Run 'Error Tutor: Restart Language Server'.");
      return undefined;
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  async explainAtCursor(): Promise<void> {
    const at = this.cursor();
    if (!at) return;
    const markdown = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: "Error Tutor: explaining" },
      () => this.execute("errorTutor.explain", [at.uri, at.line, at.character]));
    if (typeof markdown !== "string" || !markdown) {
      if (this.client?.isRunning()) void vscode.window.showInformationMessage(NO_DIAGNOSTIC);
      return;
    }
    await this.showPanel(markdown, at);
  }

  private async showPanel(markdown: string, at: Position0): Promise<void> {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel("errorTutor.explanation", "Error Tutor",
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: false });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    this.panel.title = `Error Tutor: line ${at.line + 1}`;
    this.panel.webview.html = page(await renderMarkdown(markdown));
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  async rate(helpful: boolean): Promise<void> {
    const at = this.cursor();
    if (!at) return;
    const reply = (await this.execute("errorTutor.rate", [at.uri, at.line, at.character, helpful])) as
      { stored?: boolean; reason?: string } | undefined;
    if (reply?.stored) {
      void vscode.window.showInformationMessage("Thank you: your rating was stored.");
    } else if (reply) {
      void vscode.window.showInformationMessage(`Rating not stored: ${reply.reason ?? "no reason given"}`);
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.statusItem.dispose();
    this.output.dispose();
  }
}

/** Markdown to HTML with VS Code's own renderer; plain escaped text if it is unavailable. */
async function renderMarkdown(markdown: string): Promise<string> {
  try {
    const html = await vscode.commands.executeCommand<string>("markdown.api.render", markdown);
    if (typeof html === "string") return html;
  } catch {
    // the built-in Markdown extension can be disabled
  }
  return `<pre>${escapeHtml(markdown)}</pre>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function page(body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); line-height: 1.5; }
code { font-family: var(--vscode-editor-font-family); }</style></head><body>${body}</body></html>`;
}

let extension: TutorExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extension = new TutorExtension(serverSchema(context.extension.packageJSON));
  const ext = extension;
  context.subscriptions.push(
    ext,
    vscode.commands.registerCommand("errorTutor.restartServer", () => ext.restart()),
    vscode.commands.registerCommand("errorTutor.explainAtCursor", () => ext.explainAtCursor()),
    vscode.commands.registerCommand("errorTutor.rateHelpful", () => ext.rate(true)),
    vscode.commands.registerCommand("errorTutor.rateNotHelpful", () => ext.rate(false)),
    vscode.workspace.onDidChangeConfiguration((event) => ext.configurationChanged(event)),
  );
  await ext.start();
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}
