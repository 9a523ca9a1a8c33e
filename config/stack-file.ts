/**
 * Reads `stacks/Pulumi.<stack>.yaml` into Pulumi's raw config form, the same map
 * `pulumi.runtime.allConfig()` gives a running program: objects and lists JSON-encoded, scalars
 * as strings. Secure values cannot be decrypted without the Pulumi CLI; they read as a marker
 * and their keys are reported so the plan masks them.
 */
import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError } from "./errors";
import { RawConfig, loadStackSpec } from "./load";
import type { StackSpec } from "./spec";

export const STACKS_DIR = "stacks";
export { SECRET_MARKER } from "./secret-env";
import { SECRET_MARKER } from "./secret-env";

export interface StackFile {
  readonly stack: string;
  readonly path: string;
  readonly config: RawConfig;
  readonly secretKeys: readonly string[];
}

export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(projectDir, STACKS_DIR, `Pulumi.${stack}.yaml`);
}

/** A command-line stack argument: a stack of this project by name, or a path to a stack file. */
export function resolveStackArg(projectDir: string, nameOrPath: string): { readonly file: string; readonly isPath: boolean } {
  const isPath = nameOrPath.includes("/") || /\.ya?ml$/.test(nameOrPath);
  return { file: isPath ? path.resolve(nameOrPath) : stackFilePath(projectDir, nameOrPath), isPath };
}

/** Raw config of another stack of this project (for `cluster.mode: reuse`), or undefined without a file. */
export function stackConfigReader(projectDir: string): (stack: string) => RawConfig | undefined {
  return (stack) => {
    const file = stackFilePath(projectDir, stack);
    return fs.existsSync(file) ? readStackFile(file).config : undefined;
  };
}

/** Read and validate a stack file, resolving reused clusters from the project's other stack files. */
export function loadStackFile(projectDir: string, stackFile: string, project?: string): { readonly file: StackFile; readonly spec: StackSpec } {
  const file = readStackFile(stackFile);
  return {
    file,
    spec: loadStackSpec(file.config, { project, stack: file.stack, readStackConfig: stackConfigReader(projectDir), isSecret: (key) => file.secretKeys.includes(key) }),
  };
}

/** `t4-smoke` from `stacks/Pulumi.t4-smoke.yaml`; undefined for other file names. */
export function stackNameFromPath(file: string): string | undefined {
  return /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1];
}

export function listStacks(projectDir: string): string[] {
  const dir = path.join(projectDir, STACKS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => stackNameFromPath(f))
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * One config key's value as this stack's file writes it, `{ secure: ... }` entries intact, or
 * undefined when the file or the key is missing or the file cannot be read. The program uses it
 * where the engine's decrypted config cannot tell a secure entry from a plain one.
 */
export function readStackFileEntry(file: string, key: string): unknown {
  try {
    const body: unknown = parseDocument(fs.readFileSync(file, "utf8"), { uniqueKeys: true }).toJS();
    const config = isPlainObject(body) ? body.config : undefined;
    return isPlainObject(config) ? config[key] : undefined;
  } catch {
    return undefined;
  }
}

export function readStackFile(file: string): StackFile {
  const stack = stackNameFromPath(file);
  if (!stack) throw new ConfigError([{ path: file, message: "is not a stack file (expected a name like stacks/Pulumi.<stack>.yaml)" }]);
  if (!fs.existsSync(file)) throw new ConfigError([{ path: file, message: "does not exist" }]);
  return parseStackFile(fs.readFileSync(file, "utf8"), file, stack);
}

export function parseStackFile(text: string, file: string, stack: string): StackFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        // The parser says only "Map keys must be unique": name the key, which its position spans.
        if (e.code === "DUPLICATE_KEY") {
          const key = (/^("[^"\n]*"|'[^'\n]*'|[^:\n]+)/.exec(text.slice(e.pos[0]))?.[1] ?? "").trim().replace(/^["']|["']$/g, "");
          return { path: `${file}:${at.line}:${at.col}`, message: `duplicate key ${JSON.stringify(key)}: it is already set earlier in the same mapping (each key once; keep the value you mean)` };
        }
        return { path: `${file}:${at.line}:${at.col}`, message: `YAML syntax error: ${e.message.split("\n")[0]}` };
      }),
      `${file} is not valid YAML`,
    );
  }
  const body: unknown = doc.toJS() ?? {};
  if (!isPlainObject(body)) throw new ConfigError([{ path: file, message: "must be a mapping with a `config:` key" }]);
  const unknown = Object.keys(body).filter((k) => !["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"].includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((k) => ({ path: `${file}: ${k}`, message: "unknown top-level key (allowed: config, secretsprovider, encryptedkey, encryptionsalt, environment)" })));
  }
  const config = body.config ?? {};
  if (!isPlainObject(config)) throw new ConfigError([{ path: `${file}: config`, message: "must be a mapping of namespace:key to value" }]);
  const raw: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!key.includes(":")) {
      throw new ConfigError([{ path: `${file}: config.${key}`, message: "must be namespaced (e.g. gpu-training-clusters:experiment or aws:region)" }]);
    }
    if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") {
      raw[key] = SECRET_MARKER;
      secretKeys.push(key);
    } else if (containsSecure(value)) {
      // `pulumi config set --secret --path a.b`: the key is secret as a whole, as Pulumi treats it.
      raw[key] = JSON.stringify(maskSecure(value));
      secretKeys.push(key);
    } else {
      raw[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { stack, path: file, config: raw, secretKeys };
}

function isSecure(v: unknown): boolean {
  return isPlainObject(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
}

function containsSecure(v: unknown): boolean {
  if (isSecure(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecure);
  return isPlainObject(v) && Object.values(v).some(containsSecure);
}

function maskSecure(v: unknown): unknown {
  if (isSecure(v)) return SECRET_MARKER;
  if (Array.isArray(v)) return v.map(maskSecure);
  return isPlainObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecure(x)])) : v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
