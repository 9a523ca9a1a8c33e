/**
 * Turns a stack's raw Pulumi config into a StackSpec, or throws one ConfigError listing every
 * problem. Raw config is Pulumi's own form: `namespace:key` → string, objects JSON-encoded, as
 * `pulumi.runtime.allConfig()` returns it; the offline plan builds the same map from the YAML file.
 */
import { lookupImage } from "../catalog/images";
import { parseCapability } from "../plan/arch";
import { ConfigError, Problem, problemsFromZod, show } from "./errors";
import { defaultPoolKind, experimentRules, networkRules, poolRules } from "./rules";
import { SECRET_ENV_KEY, checkSecretEnv } from "./secret-env";
import { workdirRules } from "./workdir-rules";
import { awsClusterRules } from "./aws-rules";
import { SMOKE_ARGS, SMOKE_SCRIPT, StackInput, stackSchema } from "./schema";
import type { ExperimentSpec, PoolSpec, ResolvedImage, StackSpec } from "./spec";
import { POOL_LABEL } from "../k8s/names";
import { QueueingInput, queueingRules, resolveQueueing } from "./queueing";

export const NAMESPACE = "gpu-training-clusters";
export const DEFAULT_REGION = "us-east-1";

export type RawConfig = Readonly<Record<string, string>>;

export interface LoadContext {
  readonly project?: string;
  readonly stack: string;
  /** Raw config of another stack of this project, for `cluster.mode: reuse`; undefined if it has no file. */
  readonly readStackConfig?: (stack: string) => RawConfig | undefined;
  /** Whether Pulumi lists a config key as secret (`pulumi.runtime.isConfigSecret`). */
  readonly isSecret?: (key: string) => boolean | undefined;
  /** A key's value as this stack's own file writes it (secure entries intact); undefined if unknown. */
  readonly storedValue?: (key: string) => unknown;
}

const TOP_LEVEL_KEYS = Object.keys(stackSchema.shape);

/** Pulumi keeps plain strings as-is and encodes everything else as JSON. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The namespace's entries as one object, plus a problem for each key the schema does not know. */
export function namespaceObject(raw: RawConfig): { data: Record<string, unknown>; problems: Problem[] } {
  const data: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const [ns, ...rest] = key.split(":");
    if (ns !== NAMESPACE) continue;
    const name = rest.join(":");
    if (!TOP_LEVEL_KEYS.includes(name)) {
      problems.push({ path: `${NAMESPACE}:${name}`, message: `unknown key (allowed: ${TOP_LEVEL_KEYS.map((k) => `${NAMESPACE}:${k}`).join(", ")})` });
      continue;
    }
    data[name] = decode(value);
  }
  return { data, problems };
}

/** Schema + cross-field rules; returns the parsed input or the problems. */
export function parseStackInput(raw: RawConfig): { input?: StackInput; problems: Problem[] } {
  const { data, problems } = namespaceObject(raw);
  const parsed = stackSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return { problems: [...problems, ...problemsFromZod(parsed.error.issues, { schema: stackSchema, data })] };
  }
  const input = parsed.data;
  problems.push(...poolRules(input));
  if (input.cluster.mode === "create") problems.push(...networkRules(input.cluster), ...awsClusterRules(input.cluster));
  return { input, problems };
}

export function loadStackSpec(raw: RawConfig, ctx: LoadContext): StackSpec {
  const { input, problems } = parseStackInput(raw);
  if (!input) throw new ConfigError(problems, `stack "${ctx.stack}" has an invalid configuration`);

  let pools = resolvePools(input);
  let clusterIdle = input.cluster.mode === "create" ? input.idle : undefined;
  let clusterQueueing: { stack: string; queueing?: QueueingInput } | undefined;
  if (input.cluster.mode === "reuse") {
    const referenced = loadReferencedPools(input.cluster.stack, ctx);
    problems.push(...referenced.problems);
    pools = referenced.pools;
    clusterIdle = referenced.idle;
    clusterQueueing = { stack: input.cluster.stack, queueing: referenced.queueing };
  }
  problems.push(...queueingRules(input.cluster.mode, input.queueing, input.cluster.mode === "reuse" ? input.cluster.stack : undefined));
  if (input.experiment) {
    problems.push(...experimentRules(input.experiment, pools, input.cluster.mode !== "existing"));
    problems.push(...workdirRules(input.experiment));
  }
  const secretEnv = checkSecretEnv(input.secretEnv, input.experiment, ctx.isSecret?.(`${NAMESPACE}:${SECRET_ENV_KEY}`), ctx.storedValue?.(`${NAMESPACE}:${SECRET_ENV_KEY}`));
  problems.push(...secretEnv.problems);
  problems.push(...regionRules(input, raw));
  if (problems.length > 0) throw new ConfigError(problems, `stack "${ctx.stack}" has an invalid configuration`);

  return {
    project: ctx.project ?? NAMESPACE,
    stack: ctx.stack,
    region: raw["aws:region"] ?? DEFAULT_REGION,
    cluster: input.cluster,
    pools,
    experiment: input.experiment ? { ...resolveExperiment(input.experiment, pools), secretEnv: secretEnv.names } : undefined,
    idle: input.idle,
    clusterIdle,
    queueing: resolveQueueing(ctx.stack, input.cluster.mode, input.queueing, clusterQueueing),
  };
}

/**
 * A stack that creates AWS resources names its region: the AWS provider would otherwise take it
 * from the environment, and the cluster could land somewhere other than the plan said.
 */
function regionRules(input: StackInput, raw: RawConfig): Problem[] {
  const createsAws =
    input.cluster.mode === "create" || (input.experiment?.datasets ?? []).concat(input.experiment?.output ?? []).some((v) => v.source.type === "s3");
  if (!createsAws || raw["aws:region"]) return [];
  const why = input.cluster.mode === "create" ? "this stack creates an EKS cluster" : "this stack grants S3 access to the cluster's S3 CSI role";
  return [{ path: "aws:region", message: `is required: ${why} (got nothing; e.g. aws:region: ${DEFAULT_REGION})` }];
}

function resolvePools(input: StackInput): PoolSpec[] {
  return input.nodePools.map((pool) => ({
    ...pool,
    kind: pool.kind ?? defaultPoolKind(input),
    nodeSelector: pool.nodeSelector ?? { [POOL_LABEL]: pool.name },
  }));
}

function loadReferencedPools(stack: string, ctx: LoadContext): { pools: PoolSpec[]; idle?: StackInput["idle"]; queueing?: QueueingInput; problems: Problem[] } {
  const raw = ctx.readStackConfig?.(stack);
  if (!raw) {
    return { pools: [], problems: [{ path: "cluster.stack", message: `names no stack of this project (got ${show(stack)}; expected a file stacks/Pulumi.${stack}.yaml)` }] };
  }
  const { input, problems } = parseStackInput(raw);
  if (!input || problems.length > 0) {
    return { pools: [], problems: [{ path: "cluster.stack", message: `names stack ${show(stack)}, whose own configuration is invalid (run the plan of that stack)` }] };
  }
  if (input.cluster.mode !== "create") {
    return { pools: [], problems: [{ path: "cluster.stack", message: `names stack ${show(stack)}, which creates no cluster (its cluster.mode is "${input.cluster.mode}"; allowed: a stack with mode "create")` }] };
  }
  return { pools: resolvePools(input), idle: input.idle, queueing: input.queueing, problems: [] };
}

function resolveExperiment(experiment: NonNullable<StackInput["experiment"]>, pools: readonly PoolSpec[]): ExperimentSpec {
  const pool = pools.find((p) => p.name === experiment.pool)!;
  return {
    ...experiment,
    gpusPerNode: experiment.gpusPerNode ?? pool.gpusPerNode,
    args: experiment.args ?? (experiment.script === SMOKE_SCRIPT ? SMOKE_ARGS : []),
    image: resolveImage(experiment.image),
    setup: typeof experiment.setup === "string" ? [experiment.setup] : (experiment.setup ?? []),
    secretEnv: [],
  };
}

function resolveImage(image: NonNullable<StackInput["experiment"]>["image"]): ResolvedImage {
  if (typeof image === "string") {
    const found = lookupImage(image);
    if (!found.ok) throw new Error(`unreachable: image ${image} passed the rules`);
    return { ...found.image, requested: image, substitution: found.substitution, custom: false };
  }
  return {
    key: "custom",
    repository: image.repository,
    digest: image.digest,
    torchVersion: image.torchVersion,
    cudaRuntime: image.cudaRuntime,
    archs: image.archs.map((a) => parseCapability(a)),
    requested: `${image.repository}@${image.digest}`,
    custom: true,
  };
}
