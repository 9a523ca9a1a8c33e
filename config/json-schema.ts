/**
 * schema/stack.schema.json: a JSON Schema (draft-07) of a whole stack file, generated from the
 * zod schema, so that editors with the YAML language server complete and check keys
 * (`# yaml-language-server: $schema=../schema/stack.schema.json`, first line of every stack file).
 *
 * It describes what config/stack-file.ts reads: the file's top-level keys; under `config`, one
 * `gpu-training-clusters:<key>` per key of the stack schema in its input shape (fields with
 * defaults optional, strict objects closed), and the provider keys config/provider-keys.ts
 * accepts. `config` is closed, so a misspelt key fails. It checks shapes only: the rules that
 * span fields, and the compatibility gate, stay with `npm run plan`.
 *
 * A YAML file reaches the schema as JSON types: numbers stay numbers, so a string enum such as
 * `kubernetesVersion` must be quoted in YAML, as the loader requires too.
 */
import { z } from "zod";
import { awsRegionSchema } from "./aws-validation";
import { NAMESPACE } from "./load";
import { PROJECT_META_KEYS } from "./meta";
import { PROVIDER_KEYS } from "./provider-keys";
import { ENV_NAME, SECRET_ENV_KEY } from "./secret-env";
import { stackSchema } from "./schema";

export const STACK_SCHEMA_PATH = "schema/stack.schema.json";

type Json = Record<string, unknown>;

/**
 * Keywords first in this order, any other after them alphabetically, so that the file reads the
 * same way from one zod release to the next. Maps of names (properties, definitions) keep source order.
 */
const KEYWORD_ORDER = [
  "$schema", "$id", "title", "description", "type", "const", "enum", "default",
  "pattern", "minLength", "maxLength", "exclusiveMinimum", "minimum", "maximum", "minItems", "maxItems",
  "items", "properties", "required", "propertyNames", "additionalProperties", "anyOf", "oneOf",
];
/** Keywords whose value is a map of names to schemas. */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions"]);
/** Keywords whose value is a schema, or a list of schemas. */
const SCHEMA_VALUED = new Set(["items", "additionalProperties", "propertyNames", "not", "anyOf", "oneOf", "allOf", "prefixItems"]);

/**
 * One schema node in canonical form: keywords in KEYWORD_ORDER, and our own meta keys
 * (config/meta.ts) folded into standard ones: a derived default becomes part of the description,
 * which is what an editor shows; `docRows` concerns only the reference and is dropped.
 */
function canonical(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(canonical);
  if (node === null || typeof node !== "object") return node;
  const src = { ...(node as Json) };
  if (typeof src.defaultText === "string") {
    src.description = `${src.description ?? ""}${src.description ? ". " : ""}Default: ${src.defaultText}.`;
  }
  for (const key of PROJECT_META_KEYS) delete src[key];
  const rank = (k: string) => (KEYWORD_ORDER.includes(k) ? KEYWORD_ORDER.indexOf(k) : KEYWORD_ORDER.length);
  const keys = Object.keys(src).sort((a, b) => rank(a) - rank(b) || (rank(a) === KEYWORD_ORDER.length ? a.localeCompare(b) : 0));
  const out: Json = {};
  for (const k of keys) {
    const v = src[k];
    if (SCHEMA_MAPS.has(k)) out[k] = Object.fromEntries(Object.entries(v as Json).map(([name, s]) => [name, canonical(s)]));
    else if (SCHEMA_VALUED.has(k)) out[k] = canonical(v);
    else out[k] = v;
  }
  return out;
}

/** A zod schema's input side as JSON Schema, without the `$schema` of a document root. */
function fromZod(schema: z.ZodType): Json {
  const { $schema: _root, ...body } = z.toJSONSchema(schema, { target: "draft-7", io: "input" }) as Json;
  return body;
}

/**
 * `secretEnv` is `z.unknown()` in the stack schema (config/secret-env.ts checks it, so that no
 * value reaches an error message). In a stack file it is what `pulumi config set --secret --path
 * 'secretEnv.NAME'` writes: a mapping of variable names to `{ secure: <ciphertext> }`.
 */
function secretEnvSchema(description: unknown): Json {
  return {
    description,
    type: "object",
    propertyNames: { pattern: ENV_NAME.source },
    additionalProperties: {
      description: "a Pulumi secret, as `pulumi config set --secret` writes it",
      type: "object",
      properties: { secure: { type: "string", minLength: 1 } },
      required: ["secure"],
      additionalProperties: false,
    },
  };
}

/** The `config:` keys of the providers: `aws:region` checked, the rest of any value. */
function providerKeys(): Json {
  const keys: Json = {};
  for (const [ns, names] of Object.entries(PROVIDER_KEYS)) {
    for (const name of [...names].sort()) {
      keys[`${ns}:${name}`] = ns === "aws" && name === "region" ? fromZod(awsRegionSchema) : { description: `a setting of ${ns === "pulumi" ? "Pulumi itself" : `the Pulumi ${ns} provider`}` };
    }
  }
  return keys;
}

/** The whole stack file's JSON Schema, as an object. */
export function stackFileJsonSchema(): Json {
  const namespace = fromZod(stackSchema).properties as Record<string, Json>;
  const config: Json = {};
  for (const [key, schema] of Object.entries(namespace)) {
    config[`${NAMESPACE}:${key}`] = key === SECRET_ENV_KEY ? secretEnvSchema(schema.description) : schema;
  }
  Object.assign(config, providerKeys());
  return canonical({
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "gpu-training-clusters stack file (stacks/Pulumi.<stack>.yaml)",
    description: `Generated from config/schema.ts by \`npm run generate\`; the full reference is docs/configuration.md.`,
    type: "object",
    // https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/ (attributes)
    properties: {
      config: {
        description: "`namespace:key` entries: this project's (`gpu-training-clusters:`) and its providers' (`aws:`, `kubernetes:`, `pulumi:`)",
        type: "object",
        properties: config,
        additionalProperties: false,
      },
      secretsprovider: { description: "the secrets provider that encrypts this stack's secrets", type: "string" },
      encryptedkey: { description: "the KMS-encrypted data key (cloud secrets providers)", type: "string" },
      encryptionsalt: { description: "the encryption salt (passphrase secrets provider)", type: "string" },
      environment: { description: "Pulumi ESC environments the stack imports", anyOf: [{ type: "array", items: { type: "string" } }, { type: "object" }] },
    },
    additionalProperties: false,
  }) as Json;
}

/** The file's text: two-space JSON with a trailing newline. */
export function renderStackJsonSchema(): string {
  return `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`;
}
