/**
 * Parses the namespace one top-level key at a time, and each pool on its own, so that a mistake
 * in one part does not hide the mistakes of the others: the rules and the compatibility gate then
 * run on every part that parsed. An object whose fields fail is parsed again without them (their
 * defaults take their place), and the failed fields are recorded, so a later rule skips only what
 * they make meaningless.
 */
import type { z } from "zod";
import { Problem, problemsFromZod } from "./errors";
import { ClusterInput, ExperimentInput, IdlePolicy, NodePoolInput, nodePoolSchema, stackSchema } from "./schema";
import type { QueueingInput } from "./queueing";

export interface Parsed<T> {
  /** The value, parsed or salvaged; undefined when even the salvage failed. */
  readonly value?: T;
  /** Top-level fields of the object that failed (and were replaced by their defaults). */
  readonly failed: ReadonlySet<string>;
}

export interface CollectedPool extends Parsed<NodePoolInput> {
  readonly index: number;
  /** The name the user wrote, even when the pool failed to parse (so no rule calls it missing). */
  readonly name?: string;
}

export interface CollectedInput {
  readonly cluster: Parsed<ClusterInput>;
  readonly pools: readonly CollectedPool[];
  /** Whether nodePools itself was a list (false: not one, and every pool is unknown). */
  readonly poolsListed: boolean;
  readonly experiment: Parsed<ExperimentInput>;
  readonly idle: Parsed<IdlePolicy>;
  readonly queueing: Parsed<QueueingInput | undefined>;
  /** Checked by config/secret-env.ts, never by a schema: no value may appear in an error. */
  readonly secretEnv: unknown;
  readonly problems: readonly Problem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parsePart<T>(schema: z.ZodType, value: unknown, prefix: readonly PropertyKey[], data: unknown, problems: Problem[]): Parsed<T> {
  const first = schema.safeParse(value, { reportInput: true });
  if (first.success) return { value: first.data as T, failed: new Set() };
  problems.push(...problemsFromZod(first.error.issues, { schema: stackSchema, data }, prefix));
  const failed = new Set<string>();
  const unknown = new Set<string>();
  for (const issue of first.error.issues) {
    if (issue.path.length > 0) failed.add(String(issue.path[0]));
    else if (issue.code === "unrecognized_keys") issue.keys.forEach((k) => unknown.add(k));
    else return { failed: new Set(["*"]) };
  }
  if (!isObject(value)) return { failed: new Set(["*"]) };
  const kept: Record<string, unknown> = Object.fromEntries(Object.entries(value).filter(([k]) => !failed.has(k) && !unknown.has(k)));
  // A failed field the object cannot do without (an experiment's name or pool) gets a placeholder,
  // so the object's other fields are still checked; it stays in `failed`, and the rules skip what
  // depends on it.
  const second = schema.safeParse(kept);
  if (second.success) return { value: second.data as T, failed };
  for (const issue of second.error.issues) {
    const key = issue.path.length === 1 ? String(issue.path[0]) : undefined;
    if (key === undefined || !failed.has(key) || issue.code !== "invalid_type") continue;
    const fit = PLACEHOLDERS.find((v) => !schema.safeParse({ ...kept, [key]: v }).error?.issues.some((i) => i.path[0] === key));
    if (fit !== undefined) kept[key] = fit;
  }
  const third = schema.safeParse(kept);
  return third.success ? { value: third.data as T, failed } : { failed: new Set([...failed, "*"]) };
}

/** Stand-ins tried, in order, for a required field that failed (never read: the field is in `failed`). */
const PLACEHOLDERS: readonly unknown[] = ["placeholder", 1, true, [], {}];

/**
 * A cluster with hybrid nodes takes a public or a private endpoint, not both (config/aws-rules.ts):
 * there `privateAccess` defaults to false, so the endpoint is public only unless the user says
 * otherwise. The schema's default (true) holds everywhere else; the raw input tells whether the
 * user set it.
 */
function hybridEndpointDefault(part: { value?: ClusterInput; failed: ReadonlySet<string> }, raw: unknown): { value?: ClusterInput; failed: ReadonlySet<string> } {
  const c = part.value;
  if (!c || c.mode !== "create" || !c.hybrid) return part;
  const endpoint = isObject(raw) && isObject(raw.endpoint) ? raw.endpoint : undefined;
  if (endpoint && endpoint.privateAccess !== undefined) return part;
  return { ...part, value: { ...c, endpoint: { ...c.endpoint, privateAccess: false } } };
}

export function collectInput(data: Record<string, unknown>): CollectedInput {
  const problems: Problem[] = [];
  const shape = stackSchema.shape;
  const cluster = hybridEndpointDefault(parsePart<ClusterInput>(shape.cluster, data.cluster, ["cluster"], data, problems), data.cluster);
  let pools: CollectedPool[] = [];
  const poolsListed = data.nodePools === undefined || Array.isArray(data.nodePools);
  if (Array.isArray(data.nodePools)) {
    pools = data.nodePools.map((item, index) => ({
      index,
      name: isObject(item) && typeof item.name === "string" ? item.name : undefined,
      ...parsePart<NodePoolInput>(nodePoolSchema, item, ["nodePools", index], data, problems),
    }));
  } else if (data.nodePools !== undefined) {
    parsePart(shape.nodePools, data.nodePools, ["nodePools"], data, problems);
  }
  const experiment = parsePart<ExperimentInput>(shape.experiment, data.experiment, ["experiment"], data, problems);
  const idle = parsePart<IdlePolicy>(shape.idle, data.idle, ["idle"], data, problems);
  const queueing = parsePart<QueueingInput | undefined>(shape.queueing, data.queueing, ["queueing"], data, problems);
  return { cluster, pools, poolsListed, experiment, idle, queueing, secretEnv: data.secretEnv, problems };
}
