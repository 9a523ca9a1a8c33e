/**
 * What the stack schema says about a field beyond its type: its meaning, and a default the schema
 * cannot state as a value. Both generated files read it: schema/stack.schema.json
 * (config/json-schema.ts) and the tables of docs/configuration.md (config/reference-docs.ts).
 *
 * zod 4 keeps `.meta({...})` in its global registry and `z.toJSONSchema` copies every key into the
 * output (https://zod.dev/metadata, https://zod.dev/json-schema). `.meta()` returns a registered
 * copy of the schema and leaves parsing alone. Literal defaults are zod's own `.default()` /
 * `.prefault()` values: never repeat one in `description` or `defaultText`.
 */
import { parse } from "yaml";

declare module "zod" {
  interface GlobalMeta {
    /**
     * A default that is not a literal value: derived from other fields, the environment or the
     * program (e.g. "the pool's"), in the reference's words (Markdown). Never set together with a
     * zod default.
     */
    defaultText?: string;
    /**
     * docs/configuration.md: how an object field is shown. Without it, as one row of its own;
     * "expand": one row per key, as `field.key`; "list-keys": one row that names its keys
     * (`vpc.id`, `vpc.privateSubnetIds`) with this field's meaning.
     */
    docRows?: "expand" | "list-keys";
  }
}

/** Meta keys of ours, which are not JSON Schema keywords (config/json-schema.ts folds or drops them). */
export const PROJECT_META_KEYS = ["defaultText", "docRows"] as const;

/**
 * A value as a stack file would write it, for the reference: a string bare where YAML reads it back
 * as that string (`10.0.0.0/16`, `STANDARD`) and quoted where it would not (`"1.35"`, a number in
 * YAML); lists of strings quoted; mappings in flow style (`{ mode: create }`).
 */
export function yamlLiteral(value: unknown): string {
  if (typeof value === "string") return /^[A-Za-z0-9_./-]+$/.test(value) && parse(value) === value ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === "string" ? JSON.stringify(v) : yamlLiteral(v))).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    return entries.length === 0 ? "{}" : `{ ${entries.map(([k, v]) => `${k}: ${yamlLiteral(v)}`).join(", ")} }`;
  }
  return String(value);
}

/** Inline code in Markdown. */
export const code = (text: string): string => `\`${text}\``;
