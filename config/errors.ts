/**
 * Input errors: every problem is collected, then thrown once, each line in the form
 * `path: problem (got X; allowed Y)` so the user can fix them all in one go.
 */
import type { z } from "zod";
import { didYouMean } from "./suggest";

export interface Problem {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly Problem[], readonly heading = "invalid stack configuration") {
    super(`${heading}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

/** `nodePools[0].gpusPerNode` from zod's ["nodePools", 0, "gpusPerNode"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`))
    .join("");
}

/** A short, single-line rendering of a value the user wrote. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${show(value)}`;
}

/** Turns zod issues into problems; `input` is reported because parsing uses `reportInput`. */
export function problemsFromZod(
  issues: readonly z.core.$ZodIssue[],
  context: { schema: z.ZodType; data: unknown },
  prefix: readonly PropertyKey[] = [],
): Problem[] {
  return issues.flatMap((issue) => problemFromIssue(issue, context, prefix));
}

function problemFromIssue(issue: z.core.$ZodIssue, context: { schema: z.ZodType; data: unknown }, prefix: readonly PropertyKey[]): Problem[] {
  const path = formatPath([...prefix, ...issue.path]);
  const got = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type":
      return [{ path, message: got === undefined ? `is required (expected ${issue.expected})` : `must be ${article(issue.expected)} (got ${typeOf(got)})` }];
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const allowed = allowedKeysAt(context.schema, [...prefix, ...issue.path], context.data) ?? [];
        return {
          path: formatPath([...prefix, ...issue.path, key]),
          message: `unknown key (allowed: ${allowed.join(", ") || "none"})${didYouMean(key, allowed)}`,
        };
      });
    case "too_small":
      return [{ path, message: `${bound(issue.origin, "at least", issue.minimum)} (got ${show(got)})` }];
    case "too_big":
      return [{ path, message: `${bound(issue.origin, "at most", issue.maximum)} (got ${show(got)})` }];
    case "invalid_value": {
      const strings = issue.values.filter((v): v is string => typeof v === "string");
      if (typeof got === "number" && strings.length === issue.values.length && strings.length > 0) {
        // Unquoted `1.35` is a YAML number (and `1.30` reads as 1.3): say to quote it rather than coerce.
        const example = strings.find((v) => Number(v) === got) ?? strings[strings.length - 1];
        return [{ path, message: `must be a string: write it quoted, e.g. ${show(example)} (got the number ${got}; allowed: ${strings.map((v) => show(v)).join(", ")})` }];
      }
      const near = typeof got === "string" ? didYouMean(got, issue.values.filter((v): v is string => typeof v === "string")) : "";
      return [{ path, message: `is not allowed (got ${show(got)}; allowed: ${issue.values.map((v) => show(v)).join(", ")})${near}` }];
    }
    case "invalid_union": {
      const u = issue as { discriminator?: string; options?: unknown[] };
      if (u.discriminator) {
        const value = got && typeof got === "object" ? (got as Record<string, unknown>)[u.discriminator] : undefined;
        const allowed = (u.options ?? []).map((o) => show(o)).join(", ");
        return [{ path, message: value === undefined ? `is required (allowed: ${allowed})` : `is not allowed (got ${show(value)}; allowed: ${allowed})` }];
      }
      // A union of shapes (e.g. a catalog key or a custom image): report the problems of the
      // alternative whose type matched the input, or say which types would do.
      const sameType = issue.errors.filter((alt) => !alt.some((i) => i.code === "invalid_type" && i.path.length === 0));
      if (sameType.length > 0) {
        const best = [...sameType].sort((a, b) => a.length - b.length)[0];
        return problemsFromZod(best, context, [...prefix, ...issue.path]);
      }
      const expected = issue.errors.flatMap((alt) => alt.filter((i) => i.code === "invalid_type").map((i) => article((i as { expected: string }).expected)));
      return [{ path, message: `must be ${expected.join(" or ")} (got ${typeOf(got)})` }];
    }
    case "invalid_key": {
      // A record's key that failed its own check (an env var name): the inner issue says why.
      const inner = (issue as { issues?: { message: string }[] }).issues?.[0]?.message ?? issue.message;
      return [{ path, message: `${inner} (got ${show(got)})` }];
    }
    default:
      return [{ path, message: `${issue.message}${got === undefined ? "" : ` (got ${show(got)})`}` }];
  }
}

function article(expected: string): string {
  const names: Record<string, string> = { object: "a mapping", record: "a mapping", array: "a list", string: "a string", number: "a number", boolean: "true or false", int: "an integer" };
  return names[expected] ?? expected;
}

function bound(origin: string, word: string, limit: number | bigint): string {
  switch (origin) {
    case "string":
      return `must be ${word} ${limit} character${limit === 1 ? "" : "s"} long`;
    case "array":
      return `must have ${word} ${limit} item${limit === 1 ? "" : "s"}`;
    default:
      return `must be ${word} ${limit}`;
  }
}

/**
 * zod does not keep the allowed keys on an unrecognized-keys issue, so we walk the schema along
 * the issue's path (following the data through unions) to the object that rejected the key.
 */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[], data: unknown): string[] | undefined {
  let node: unknown = schema;
  let value: unknown = data;
  const steps = [...path];
  for (;;) {
    const def = (node as { _zod: { def: Record<string, unknown> } })._zod.def;
    switch (def.type) {
      case "optional":
      case "default":
      case "prefault":
      case "nullable":
        node = def.innerType;
        continue;
      case "union": {
        const options = def.options as z.ZodType[];
        const key = def.discriminator as string | undefined;
        const want = key && value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
        const match = options.find((o) => {
          const shape = (o as unknown as { _zod: { def: { shape?: Record<string, z.ZodType> } } })._zod.def.shape;
          const literal = key && shape?.[key] ? (shape[key] as unknown as { _zod: { def: { values?: unknown[] } } })._zod.def.values : undefined;
          return literal ? literal.includes(want) : (o as z.ZodType).safeParse(value).success;
        }) ?? options.find((o) => (o as unknown as { _zod: { def: { type: string } } })._zod.def.type === "object");
        if (!match) return undefined;
        node = match;
        continue;
      }
    }
    if (steps.length === 0) return def.type === "object" ? Object.keys(def.shape as object) : undefined;
    const step = steps.shift()!;
    value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[step] : undefined;
    if (def.type === "object") node = (def.shape as Record<PropertyKey, unknown>)[step];
    else if (def.type === "array") node = def.element;
    else if (def.type === "record") node = def.valueType;
    else return undefined;
    if (!node) return undefined;
  }
}
