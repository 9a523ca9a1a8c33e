/**
 * The key | default | meaning tables of docs/configuration.md, rendered from the stack schema: the
 * meaning is a field's `.meta({ description })`, the default its zod `.default()` / `.prefault()`
 * value, or its `defaultText` where the default is derived (config/meta.ts). The prose between
 * the tables stays hand-written; tools/generated-files.ts puts each table between its markers.
 *
 * A section is named by a path through the stack schema: `experiment` (an object: one row per
 * key), `cluster.create` (the `mode: create` option of the cluster union), `experiment.datasets.source`
 * (a discriminated union: one row per option). `keys` is the overview of the config keys.
 */
import { z } from "zod";
import { awsRegionSchema } from "./aws-validation";
import { NAMESPACE } from "./load";
import { code, yamlLiteral } from "./meta";
import { stackSchema } from "./schema";

/** The parts of a zod definition read here (zod 4 `_zod.def`). */
interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly defaultValue?: unknown;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(["optional", "default", "prefault", "nullable"]);

/** The schemas of a field from the outside in: `x.optional().meta()` is [meta'd optional, x]. */
function layers(schema: z.ZodType): z.ZodType[] {
  const out = [schema];
  for (let def = defOf(schema); WRAPPERS.has(def.type) && def.innerType; def = defOf(def.innerType)) out.push(def.innerType);
  return out;
}

/** The field's own type, below optional/default wrappers. */
const core = (schema: z.ZodType): z.ZodType => layers(schema).at(-1)!;

/** The field's metadata, an outer layer's winning over an inner one's. */
function metaOf(schema: z.ZodType): z.core.GlobalMeta {
  return Object.assign({}, ...layers(schema).reverse().map((s) => z.globalRegistry.get(s) ?? {}));
}

/** The zod default (`.default()`, or `.prefault()`, which feeds the value to the parser). */
function literalDefault(schema: z.ZodType): { readonly value: unknown } | undefined {
  const layer = layers(schema).find((s) => ["default", "prefault"].includes(defOf(s).type));
  return layer ? { value: defOf(layer).defaultValue } : undefined;
}

/** Whether a stack must write the key (zod's input optionality: no default, not optional). */
const isRequired = (schema: z.ZodType): boolean => (schema as unknown as { _zod: { optin?: string } })._zod.optin === undefined;

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function defaultCell(path: string, schema: z.ZodType): string {
  const literal = literalDefault(schema);
  const { defaultText } = metaOf(schema);
  if (literal && defaultText) throw new Error(`${path}: has both a zod default and a defaultText; keep the zod default only`);
  if (literal) return code(yamlLiteral(literal.value));
  return defaultText ?? (isRequired(schema) ? "required" : "—");
}

function meaning(path: string, schema: z.ZodType): string {
  const { description } = metaOf(schema);
  if (!description) throw new Error(`${path}: has no .meta({ description }) for docs/configuration.md`);
  return description;
}

type Row = readonly [string, string, string];

/** One row per key, an object field shown as its `docRows` meta says (config/meta.ts). */
function objectRows(shape: Readonly<Record<string, z.ZodType>>, prefix: string, skip?: string): Row[] {
  const rows: Row[] = [];
  for (const [key, field] of Object.entries(shape)) {
    if (key === skip) continue;
    const path = `${prefix}${key}`;
    const { docRows } = metaOf(field);
    const inner = defOf(core(field));
    if (docRows && !(inner.type === "object" && inner.shape)) throw new Error(`${path}: docRows is for object fields`);
    if (docRows === "expand") {
      rows.push(...objectRows(inner.shape!, `${path}.`));
      continue;
    }
    const names = docRows === "list-keys" ? Object.keys(inner.shape!).map((k) => code(`${path}.${k}`)).join(", ") : code(path);
    rows.push([names, defaultCell(path, field), meaning(path, field)]);
  }
  return rows;
}

function table(header: Row, rows: readonly Row[]): string {
  const line = (r: Row) => `| ${r.map(cell).join(" | ")} |`;
  return [line(header), "|---|---|---|", ...rows.map(line)].join("\n");
}

/** The literal that selects one option of a discriminated union. */
function discriminatorValue(option: z.ZodType, discriminator: string): unknown {
  return defOf(defOf(option).shape![discriminator]).values?.[0];
}

/**
 * A discriminated union (volume sources): one row per option, its keys, and the option's meaning,
 * which is the description of its discriminator (`type: z.literal("s3").meta(...)`), so that each
 * option stays one self-contained object.
 */
function variantsTable(union: Def): string {
  const key = union.discriminator!;
  const rows = union.options!.map((option): Row => {
    const value = String(discriminatorValue(option, key));
    const keys = Object.entries(defOf(option).shape!)
      .filter(([k]) => k !== key)
      .map(([k, field]) => {
        const literal = literalDefault(field);
        return `${code(isRequired(field) ? k : `${k}?`)}${literal ? ` (${yamlLiteral(literal.value)})` : ""}`;
      });
    return [code(value), keys.join(", "), meaning(`${key}: ${value}`, defOf(option).shape![key])];
  });
  return table([code(key), "keys", "notes"], rows);
}

/** The overview: `aws:region` and every key of the namespace, each as one row. */
function keysTable(): string {
  const ours = Object.entries(stackSchema.shape).map(([key, field]): Row => {
    const name = `${NAMESPACE}:${key}`;
    return [code(name), defaultCell(name, field), meaning(name, field)];
  });
  return table(["key", "default", "meaning"], [[code("aws:region"), defaultCell("aws:region", awsRegionSchema), meaning("aws:region", awsRegionSchema)], ...ours]);
}

/** The schema a section path names (see the file comment), and the discriminator to leave out. */
function resolve(id: string): { readonly def: Def; readonly skip?: string } {
  let node: z.ZodType = stackSchema;
  let skip: string | undefined;
  for (const step of id.split(".")) {
    let def = defOf(core(node));
    if (def.type === "array") def = defOf(core(def.element!));
    skip = undefined;
    if (def.type === "object" && def.shape?.[step]) node = def.shape[step];
    else if (def.type === "union" && def.discriminator) {
      const option = def.options!.find((o) => discriminatorValue(o, def.discriminator!) === step);
      if (!option) throw new Error(`section ${id}: ${step} is no option of the union`);
      node = option;
      skip = def.discriminator;
    } else throw new Error(`section ${id}: no key ${step} in the stack schema`);
  }
  const def = defOf(core(node));
  return { def: def.type === "array" ? defOf(core(def.element!)) : def, skip };
}

/** The Markdown table of one section of docs/configuration.md (without its markers). */
export function renderReferenceSection(id: string): string {
  if (id === "keys") return keysTable();
  const { def, skip } = resolve(id);
  if (def.type === "object" && def.shape) return table(["key", "default", "meaning"], objectRows(def.shape, "", skip));
  if (def.type === "union" && def.discriminator) return variantsTable(def);
  throw new Error(`section ${id}: names neither an object nor a discriminated union`);
}
