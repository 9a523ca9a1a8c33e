/**
 * `gpu-training-clusters:secretEnv`: environment variables whose values are Pulumi secrets.
 *
 * How Pulumi hands them over: `pulumi config set --secret --path secretEnv.WANDB_API_KEY v`
 * stores `secretEnv: { WANDB_API_KEY: { secure: v1:... } }` in the stack file; the program gets
 * the whole `gpu-training-clusters:secretEnv` key decrypted, as one JSON object, and the key is
 * listed as secret because an object is secure when any value inside it is
 * (pulumi/pulumi sdk/go/common/resource/config/object.go, `func (c object) Secure()`;
 * `pulumi.runtime.isConfigSecret`). The offline plan cannot decrypt: config/stack-file.ts turns
 * each `{ secure: ... }` into SECRET_MARKER and lists the key as secret, as Pulumi would.
 *
 * Every message here names variables, never a value.
 */
import { Problem } from "./errors";
import { SECRET_ENV_NAMES_ENV } from "./launcher-paths";
import { RESERVED_ENV, RESERVED_ENV_PREFIXES } from "./rules";
import type { ExperimentInput } from "./schema";

export const SECRET_ENV_KEY = "secretEnv";
export const SECRET_MARKER = "[secret]";
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export { SECRET_ENV_NAMES_ENV };
/** Variables the Job sets itself. */
export const LAUNCHER_ENV = ["PYTHONUNBUFFERED", "PIP_CACHE_DIR", SECRET_ENV_NAMES_ENV];
const SET_ONE = "pulumi config set --secret --path 'secretEnv.NAME' VALUE";

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

export interface SecretEnvCheck {
  readonly names: string[];
  readonly problems: Problem[];
}

/**
 * Whether the stack file stores variable `name` of `secretEnv` in plain text. Under the Pulumi CLI
 * the key arrives decrypted and listed as secret as soon as one entry is secure (see above), so a
 * plain entry next to secure ones is told apart only in the file itself. False when unknown.
 */
function storedInPlain(stored: unknown, name: string): boolean {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored) || !(name in stored)) return false;
  const entry = (stored as Record<string, unknown>)[name];
  const secure = typeof entry === "object" && entry !== null && Object.keys(entry).length === 1 && typeof (entry as { secure?: unknown }).secure === "string";
  return !secure;
}

/**
 * Whether a `secure:` value has the shape of Pulumi ciphertext. The passphrase provider writes
 * `v1:<nonce base64>:<ciphertext base64>` (pulumi/pulumi sdk/go/common/resource/config/crypt.go,
 * symmetricCrypter); the service and cloud KMS providers write one base64 string. Every one is
 * AES-256-GCM output, at least a 12-byte nonce and a 16-byte tag (28 bytes, 40 base64 characters,
 * for an empty value). A hand-typed token fails this; `pulumi up` would stop on it anyway
 * ("failed to decrypt"), but only after the plan said yes.
 */
export function looksLikeCiphertext(text: string): boolean {
  const b64 = /^[A-Za-z0-9+/]+={0,2}$/;
  const v1 = /^v1:([^:]+):([^:]+)$/.exec(text);
  if (v1) return b64.test(v1[1]) && b64.test(v1[2]) && Buffer.from(v1[1], "base64").length === 12 && Buffer.from(v1[2], "base64").length >= 16;
  // A hex string (a W&B key is 40 hex digits) is a hand-typed token: base64 of random bytes is all
  // hex digits with odds of (22/64)^40 and less.
  return b64.test(text) && !/^[0-9a-f]+$/i.test(text) && text.length % 4 === 0 && Buffer.from(text, "base64").length >= 28;
}

function storedSecureText(stored: unknown, name: string): string | undefined {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return undefined;
  const entry = (stored as Record<string, unknown>)[name];
  return typeof entry === "object" && entry !== null && typeof (entry as { secure?: unknown }).secure === "string" ? (entry as { secure: string }).secure : undefined;
}

/**
 * The variable names of a decoded `secretEnv` value, and its problems.
 * `keyIsSecret`: whether Pulumi lists the key as secret (undefined when unknown).
 * `stored`: the key's value as the stack file writes it (`{ secure: ... }` entries intact), when
 * the program could read the file; undefined otherwise.
 */
export function checkSecretEnv(value: unknown, experiment: ExperimentInput | undefined, keyIsSecret: boolean | undefined, stored?: unknown, experimentGiven = experiment !== undefined): SecretEnvCheck {
  if (value === undefined) return { names: [], problems: [] };
  const at = SECRET_ENV_KEY;
  if (value === SECRET_MARKER) {
    return { names: [], problems: [{ path: at, message: `is one encrypted value, so its variable names cannot be read; set each variable on its own: ${SET_ONE}` }] };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { names: [], problems: [{ path: at, message: `must be a mapping of variable name to secret value (got ${kindOf(value)}; set each with ${SET_ONE})` }] };
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const problems: Problem[] = [];
  const names: string[] = [];
  // Offline, decrypted values read as the marker; any other value was plain text in the file.
  const offline = entries.some(([, v]) => v === SECRET_MARKER);
  for (const [name, v] of entries) {
    const path = `${at}.${name}`;
    names.push(name);
    if (!ENV_NAME.test(name)) problems.push({ path, message: "must be an environment variable name (letters, digits and '_', not starting with a digit)" });
    if (RESERVED_ENV.includes(name) || RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p))) {
      problems.push({ path, message: `is set by torch.distributed.run for every worker and cannot be overridden (reserved: ${RESERVED_ENV.join(", ")}, ${RESERVED_ENV_PREFIXES.map((p) => `${p}*`).join(", ")})` });
    }
    if (LAUNCHER_ENV.includes(name)) problems.push({ path, message: `is set by the launcher (reserved: ${LAUNCHER_ENV.join(", ")})` });
    if (experiment && name in experiment.env) problems.push({ path, message: `is also set in experiment.env; a variable is either plain or secret, not both (remove one)` });
    if (experiment?.sweep && name in experiment.sweep.env) problems.push({ path, message: `is also swept by experiment.sweep.env; a variable is either swept or secret, not both (remove one)` });
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      problems.push({ path, message: `must be a string value (got ${kindOf(v)})` });
    } else if (keyIsSecret === false || (offline && v !== SECRET_MARKER) || storedInPlain(stored, name)) {
      problems.push({ path, message: `is stored in plain text in the stack file; secretEnv values must be Pulumi secrets (${SET_ONE.replace("NAME", name)}, and rotate the value that was exposed)` });
    } else {
      const secure = storedSecureText(stored, name);
      if (secure !== undefined && !looksLikeCiphertext(secure)) {
        problems.push({ path, message: `has a secure: value that is not Pulumi ciphertext (typed by hand?), which \`pulumi up\` cannot decrypt; set it with ${SET_ONE.replace("NAME", name)}, and rotate the value if it is the real one` });
      }
    }
  }
  // An experiment that failed its schema is still there: only a missing one leaves the variables nowhere to go.
  if (!experimentGiven && entries.length > 0) problems.push({ path: at, message: "has no experiment to give the variables to (add gpu-training-clusters:experiment, or remove secretEnv)" });
  return { names: names.sort(), problems };
}

/** The plain values, for the program only (it wraps each in pulumi.secret at once). */
export function secretEnvValues(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}
