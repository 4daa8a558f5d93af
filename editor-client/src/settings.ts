/**
 * Map VS Code's `errorTutor.*` configuration to the language server's settings.
 *
 * The schema is the extension's own `package.json` (`contributes.configuration`), which a
 * test keeps equal to the server's `settings_schema()`. No `vscode` import: unit-tested in Node.
 */

export const SECTION = "errorTutor";
/** Settings under `errorTutor.server.*` start the server; they are not sent to it. */
export const CLIENT_ONLY_PREFIX = "server.";
/**
 * Settings the server accepts only from the instructor's file or its own environment: from an
 * editor it ignores them with a warning. They are sent only when the user changed them (so the
 * server can say why the change has no effect), never at their default, which would warn on every start.
 */
export const SENT_ONLY_WHEN_CHANGED = new Set(["remoteApiKeyEnv"]);

export interface SettingSchema {
  type: string;
  default: unknown;
  enum?: string[];
  items?: { type: string; enum?: string[] };
  minimum?: number;
  markdownDescription?: string;
  description?: string;
}

export type SchemaTable = Record<string, SettingSchema>;

export interface ServerOptions {
  /** camelCase server setting -> value: what `initializationOptions` and `errorTutor` carry. */
  options: Record<string, unknown>;
  /** One line per setting that was invalid and replaced by its default. */
  problems: string[];
}

/** The server's settings from `package.json` contributes (keys without the `errorTutor.` prefix). */
export function serverSchema(packageJson: unknown): SchemaTable {
  const properties = (packageJson as any)?.contributes?.configuration?.properties;
  if (!properties || typeof properties !== "object") {
    throw new Error("package.json has no contributes.configuration.properties");
  }
  const table: SchemaTable = {};
  for (const [key, schema] of Object.entries(properties as Record<string, SettingSchema>)) {
    if (!key.startsWith(SECTION + ".")) continue;
    const name = key.slice(SECTION.length + 1);
    if (!name.startsWith(CLIENT_ONLY_PREFIX)) table[name] = schema;
  }
  return table;
}

function typeProblem(value: unknown, schema: SettingSchema): string | undefined {
  switch (schema.type) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected true or false";
    case "integer":
      return Number.isInteger(value) ? undefined : "expected a whole number";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "expected a number";
    case "string":
      return typeof value === "string" ? undefined : "expected a string";
    case "array":
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? undefined : "expected a list of strings";
    default:
      return undefined;
  }
}

/** Why `value` is not valid for `schema`, or undefined when it is. */
export function validateSetting(value: unknown, schema: SettingSchema): string | undefined {
  const problem = typeProblem(value, schema);
  if (problem) return problem;
  if (schema.enum && !schema.enum.includes(value as string)) {
    return "expected one of " + schema.enum.join(", ");
  }
  if (schema.minimum !== undefined && (value as number) < schema.minimum) {
    return `must be at least ${schema.minimum}`;
  }
  const allowed = schema.items?.enum;
  if (allowed && Array.isArray(value)) {
    const bad = value.filter((v) => !allowed.includes(v));
    if (bad.length) return `unknown ${bad.join(", ")}; allowed: ${allowed.join(", ")}`;
  }
  return undefined;
}

/**
 * Read every server setting through `read` (e.g. `workspace.getConfiguration("errorTutor").get`)
 * and return the server's options. Unset values take the schema's default; invalid ones are
 * replaced by the default and reported, so the server never sees a value it would reject
 * (`SENT_ONLY_WHEN_CHANGED` settings are left out while at their default).
 */
export function toServerOptions(read: (name: string) => unknown, schema: SchemaTable): ServerOptions {
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(schema)) {
    const value = read(name);
    if (SENT_ONLY_WHEN_CHANGED.has(name) && (value === undefined || value === null || value === entry.default)) {
      continue;
    }
    if (value === undefined || value === null) {
      options[name] = entry.default;
      continue;
    }
    const problem = validateSetting(value, entry);
    if (problem) {
      problems.push(`Setting ${SECTION}.${name} = ${JSON.stringify(value)} is invalid (${problem}); ` +
        `using ${JSON.stringify(entry.default)}. Fix it in Settings > Extensions > Error Tutor.`);
      options[name] = entry.default;
    } else {
      options[name] = value;
    }
  }
  return { options, problems };
}

/** Whether a configuration change needs the server restarted (it changes how it is started). */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return affects(`${SECTION}.server`);
}

/**
 * The answer to the server's `workspace/configuration` request: VS Code's own answer for other
 * sections, and for `errorTutor` the validated server settings (without `errorTutor.server.*`).
 */
export function answerConfiguration(items: { section?: string }[], answers: unknown,
  options: () => Record<string, unknown>): unknown {
  if (!Array.isArray(answers)) return answers;  // an error from VS Code goes back as it is
  return answers.map((value, i) => (items[i]?.section === SECTION ? options() : value));
}
