/**
 * Decide how to start the language server. No `vscode` import: unit-tested in Node.
 *
 * Order: `errorTutor.server.command` (a full command) > `errorTutor.server.pythonPath` >
 * the workspace's `.venv` interpreter when it exists > `python3` on PATH.
 */

import * as os from "os";
import * as path from "path";

export const SERVER_MODULE_ARGS = ["-m", "error_tutor_server", "serve"];

export interface CommandInput {
  /** `errorTutor.server.command`; empty = not set. */
  command?: unknown;
  /** `errorTutor.server.pythonPath`; empty = auto. */
  pythonPath?: unknown;
  /** Path of the first workspace folder, if any. */
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  homeDir?: string;
  exists: (file: string) => boolean;
}

export interface ServerCommand {
  command: string;
  args: string[];
  /** Which rule chose the command, for the log and the status tooltip. */
  origin: "server.command" | "server.pythonPath" | "workspace .venv" | "PATH";
  /** Set when a setting was unusable and a fallback was taken. */
  problem?: string;
}

/** Expand `${workspaceFolder}`, `${userHome}` and a leading `~`. */
export function expand(value: string, workspaceFolder: string | undefined, homeDir: string): string {
  let out = value.replace(/\$\{userHome\}/g, homeDir);
  if (workspaceFolder !== undefined) out = out.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  if (out === "~" || out.startsWith("~/")) out = homeDir + out.slice(1);
  return out;
}

/** Where a project's virtual environment keeps its interpreter. */
export function venvPython(workspaceFolder: string, platform: NodeJS.Platform): string {
  return platform === "win32"
    ? path.win32.join(workspaceFolder, ".venv", "Scripts", "python.exe")
    : path.posix.join(workspaceFolder, ".venv", "bin", "python");
}

export function resolveServerCommand(input: CommandInput): ServerCommand {
  const platform = input.platform ?? process.platform;
  const home = input.homeDir ?? os.homedir();
  const folder = input.workspaceFolder;
  let problem: string | undefined;
  const { command, pythonPath } = input;
  if (Array.isArray(command) && command.length > 0) {
    if (command.every((part) => typeof part === "string" && part.length > 0)) {
      const [program, ...args] = command.map((part) => expand(part, folder, home));
      return { command: program, args, origin: "server.command" };
    }
    problem = "errorTutor.server.command must be a list of non-empty strings such as [\"error-tutor\", \"serve\"]; it was ignored.";
  } else if (command !== undefined && command !== null && !Array.isArray(command)) {
    problem = "errorTutor.server.command must be a list of strings; it was ignored.";
  }
  if (typeof pythonPath === "string" && pythonPath.trim()) {
    return { command: expand(pythonPath.trim(), folder, home), args: [...SERVER_MODULE_ARGS], origin: "server.pythonPath", problem };
  }
  if (folder) {
    const candidate = venvPython(folder, platform);
    if (input.exists(candidate)) {
      return { command: candidate, args: [...SERVER_MODULE_ARGS], origin: "workspace .venv", problem };
    }
  }
  const fallback = platform === "win32" ? "python" : "python3";
  return { command: fallback, args: [...SERVER_MODULE_ARGS], origin: "PATH", problem };
}

/** The command as one shell-like line, for logs and error messages. */
export function describeCommand(resolved: ServerCommand): string {
  return [resolved.command, ...resolved.args].map((p) => (/\s/.test(p) ? JSON.stringify(p) : p)).join(" ");
}
