/**
 * Turns a stack's raw Pulumi config into a StackSpec, or throws one ConfigError listing every
 * problem. Raw config is Pulumi's own form: `namespace:key` → string, objects JSON-encoded, as
 * `pulumi.runtime.allConfig()` returns it; the offline plan builds the same map from the YAML file.
 */
import { lookupImage } from "../catalog/images";
import { builtImageRules } from "./built-image-rules";
import { parseCapability } from "../catalog/arch";
import { commercialRegions, regionPartition, PROGRAM_PARTITION, AWS_REGIONS, DEFAULT_REGION } from "./aws-validation";
import { sweepRules } from "./sweep";
import { clusterApiRules, experimentApiRules, poolApiRules } from "./api-rules";
import { CollectedInput, collectInput } from "./collect";
import { ConfigError, Problem, show } from "./errors";
import { didYouMean } from "./suggest";
import { providerKeyProblem } from "./provider-keys";
import { defaultPoolKind, experimentRules, networkRules, poolRules } from "./rules";
import { SECRET_ENV_KEY, checkSecretEnv } from "./secret-env";
import { setupRules, workdirRules } from "./workdir-rules";
import { awsClusterRules } from "./aws-rules";
import { NodePoolInput, StackInput, stackSchema } from "./schema";
import { SMOKE_ARGS, SMOKE_SCRIPT } from "./launcher-paths";
import type { ExperimentSpec, PoolSpec, ResolvedImage, StackSpec } from "./spec";
import { POOL_LABEL, stackNamespaceProblems } from "./names";
import { QueueingInput, queueingRules, resolveQueueing } from "./queueing";
import { awsAccessReason, sourceUses } from "./sources";

export const NAMESPACE = "gpu-training-clusters";
export { DEFAULT_REGION };

export type RawConfig = Readonly<Record<string, string>>;

/**
 * Namespaces a stack file may use: ours, and the providers the program uses (`aws:region`,
 * `kubernetes:*` provider defaults) plus Pulumi's own (`pulumi:tags`, `pulumi:disable-default-providers`,
 * https://www.pulumi.com/docs/iac/concepts/config/). A key under any other namespace is read by
 * nothing, so a misspelt namespace would silently drop a whole section.
 */
export const ALLOWED_NAMESPACES = [NAMESPACE, "aws", "kubernetes", "pulumi"] as const;

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
    const name = rest.join(":");
    if (ns !== NAMESPACE) {
      if (!(ALLOWED_NAMESPACES as readonly string[]).includes(ns)) {
        const near = didYouMean(ns, ALLOWED_NAMESPACES).replace(/"([^"]+)"/g, (_, n: string) => JSON.stringify(`${n}:${name}`));
        problems.push({ path: key, message: `is under namespace ${show(ns)}, which nothing reads (allowed namespaces: ${ALLOWED_NAMESPACES.join(", ")})${near}` });
      } else {
        const unknownKey = providerKeyProblem(ns, name);
        if (unknownKey) problems.push({ path: key, message: unknownKey });
      }
      continue;
    }
    if (!TOP_LEVEL_KEYS.includes(name)) {
      problems.push({ path: `${NAMESPACE}:${name}`, message: `unknown key (allowed: ${TOP_LEVEL_KEYS.map((k) => `${NAMESPACE}:${k}`).join(", ")})${didYouMean(name, TOP_LEVEL_KEYS).replace(/"([^"]+)"/g, (_, n: string) => JSON.stringify(`${NAMESPACE}:${n}`))}` });
      continue;
    }
    data[name] = decode(value);
  }
  return { data, problems };
}

/** Schema + cross-field rules; returns the parsed input (only when every part parsed) and the problems. */
export function parseStackInput(raw: RawConfig): { input?: StackInput; problems: Problem[] } {
  const { data, problems } = namespaceObject(raw);
  const c = collectInput(data);
  problems.push(...c.problems);
  const complete = c.problems.length === 0 && c.cluster.value && c.idle.value && c.pools.every((p) => p.value);
  if (!complete) return { problems };
  const input: StackInput = {
    cluster: c.cluster.value!,
    nodePools: c.pools.map((p) => p.value!),
    experiment: c.experiment.value,
    idle: c.idle.value!,
    queueing: c.queueing.value,
    secretEnv: c.secretEnv,
  };
  problems.push(...poolRules(input));
  if (input.cluster.mode === "create") problems.push(...networkRules(input.cluster), ...awsClusterRules(input.cluster, raw["aws:region"] ?? DEFAULT_REGION));
  return { input, problems };
}

/** What the configuration phase found: every problem, and the parts later phases can still check. */
export interface StackCollection {
  readonly problems: readonly Problem[];
  /**
   * The stack as far as it parsed: only pools that parsed completely, and the experiment only when
   * its pool and image are known. Complete (and valid) only when `problems` is empty.
   */
  readonly spec?: StackSpec;
  /** Config path of each of spec.pools, for the gate's messages. */
  readonly poolPaths: readonly string[];
  /** Whether the experiment's image, sizes and pool parsed, so the compatibility gate means something. */
  readonly gateable: boolean;
  /** Whether experiment.shmGiB parsed (the /dev/shm ceiling needs it). */
  readonly shmParsed: boolean;
  /**
   * Config paths whose value in `spec` is a stand-in for one that was refused (`aws:region`,
   * `cluster.vpc`, `cluster.kubernetesVersion` ...): the account checks skip what depends on them,
   * so a refused value never yields a second, made-up problem.
   */
  readonly standIns: ReadonlySet<string>;
}

export function loadStackSpec(raw: RawConfig, ctx: LoadContext): StackSpec {
  const collected = collectStack(raw, ctx);
  if (collected.problems.length > 0 || !collected.spec) throw new ConfigError(collected.problems, `stack "${ctx.stack}" has an invalid configuration`);
  return collected.spec;
}

/** The namespace parsed part by part (config/collect.ts): what the schema admitted, with stand-ins. */
export interface ParsedStack {
  readonly raw: RawConfig;
  readonly data: Record<string, unknown>;
  readonly input: CollectedInput;
}

/** The schema phase: the namespace's keys, then each part against its schema. */
export function parseStack(raw: RawConfig): { parsed: ParsedStack; problems: Problem[] } {
  const { data, problems } = namespaceObject(raw);
  const input = collectInput(data);
  return { parsed: { raw, data, input }, problems: [...problems, ...input.problems] };
}

/**
 * Every configuration check that can run: the schema per part, then the cross-field and API
 * rules on the parts that parsed. A rule skips only what an earlier problem makes meaningless.
 */
export function collectStack(raw: RawConfig, ctx: LoadContext): StackCollection {
  const { parsed, problems } = parseStack(raw);
  const rules = ruleStack(parsed, ctx);
  return { ...rules, problems: [...problems, ...rules.problems] };
}

/**
 * The rules phase: the cross-field and API rules on the parts that parsed (a failed part has a
 * stand-in, and a rule skips only what its failure makes meaningless), and the StackSpec.
 */
export function ruleStack(parsed: ParsedStack, ctx: LoadContext): StackCollection {
  const { raw, data, input: c } = parsed;
  const problems: Problem[] = [];
  const cluster = c.cluster.value;
  const idle = c.idle.value;
  const usablePools = c.pools.filter((p) => p.value && p.failed.size === 0);
  // Pool names the user wrote whose pool failed to parse: "names no pool" would be a false alarm.
  const brokenPoolNames = new Set(c.pools.filter((p) => !usablePools.includes(p)).map((p) => p.name));

  let pools: PoolSpec[] = [];
  let poolPaths: string[] = [];
  let clusterIdle = cluster?.mode === "create" ? idle : undefined;
  let clusterQueueing: { stack: string; queueing?: QueueingInput } | undefined;
  // A reused stack that is missing or invalid lends no pools: "names no pool" would be a false alarm.
  let referencedInvalid = false;
  if (cluster) {
    const sparse: NodePoolInput[] = [];
    for (const p of c.pools) if (p.value) sparse[p.index] = p.value;
    const input = { cluster, nodePools: sparse, experiment: undefined, idle: idle! } as StackInput;
    problems.push(...poolRules(input));
    if (cluster.mode === "create" && c.cluster.failed.size === 0) problems.push(...networkRules(cluster), ...awsClusterRules(cluster, raw["aws:region"] ?? DEFAULT_REGION));
    if (c.cluster.failed.size === 0) problems.push(...clusterApiRules(cluster));
    if (cluster.mode === "reuse") {
      const referenced = loadReferencedPools(cluster.stack, ctx);
      problems.push(...referenced.problems);
      referencedInvalid = referenced.problems.length > 0;
      pools = referenced.pools;
      poolPaths = pools.map((_, i) => `stacks/Pulumi.${cluster.stack}.yaml: nodePools[${i}]`);
      clusterIdle = referenced.idle;
      clusterQueueing = { stack: cluster.stack, queueing: referenced.queueing };
    } else {
      pools = resolvePools({ ...input, nodePools: usablePools.map((p) => p.value!) });
      poolPaths = usablePools.map((p) => `nodePools[${p.index}]`);
    }
  }

  const e = c.experiment.value;
  if (e) {
    const rules = experimentRules(e, pools, cluster?.mode, c.experiment.failed, poolPaths);
    const poolUnknowable = !cluster || !c.poolsListed || brokenPoolNames.has(e.pool) || c.experiment.failed.has("pool") || referencedInvalid;
    problems.push(...rules.filter((p) => !(poolUnknowable && p.path === "experiment.pool")));
    problems.push(...experimentApiRules(e, c.experiment.failed));
    problems.push(...workdirRules(e));
    if (!c.experiment.failed.has("setup")) problems.push(...setupRules(e));
    if (cluster) problems.push(...builtImageRules(e.image, cluster.mode));
    for (const p of stackNamespaceProblems(ctx.stack)) problems.push({ path: "stack", message: `${JSON.stringify(ctx.stack)} ${p}` });
  }
  if (e?.sweep && !c.experiment.failed.has("sweep") && !c.experiment.failed.has("env")) {
    const installed = resolveQueueing(ctx.stack, cluster?.mode ?? "create", c.queueing.value, clusterQueueing).install;
    problems.push(...sweepRules(e.sweep, e.env, installed));
  }
  if (cluster && c.queueing.failed.size === 0) {
    problems.push(...queueingRules(cluster.mode, c.queueing.value, cluster.mode === "reuse" ? cluster.stack : undefined));
  }
  const secretEnv = checkSecretEnv(c.secretEnv, e, ctx.isSecret?.(`${NAMESPACE}:${SECRET_ENV_KEY}`), ctx.storedValue?.(`${NAMESPACE}:${SECRET_ENV_KEY}`), data.experiment !== undefined);
  problems.push(...secretEnv.problems, ...secretsOutsideSecretEnv(raw, ctx));
  for (const p of usablePools) problems.push(...poolApiRules(p.value!, `nodePools[${p.index}]`));
  const regionProblems = regionRules(cluster?.mode, e, raw);
  problems.push(...regionProblems);

  const pool = e && !c.experiment.failed.has("pool") ? pools.find((p) => p.name === e.pool) : undefined;
  const imageKnown = e !== undefined && !c.experiment.failed.has("image") && (typeof e.image !== "string" || lookupImage(e.image).ok);
  const experiment = e && pool && imageKnown ? { ...resolveExperiment(e, pools), secretEnv: secretEnv.names } : undefined;
  const spec: StackSpec | undefined =
    cluster && idle
      ? {
          project: ctx.project ?? NAMESPACE,
          stack: ctx.stack,
          region: raw["aws:region"] ?? DEFAULT_REGION,
          cluster,
          pools,
          experiment,
          idle,
          clusterIdle,
          queueing: resolveQueueing(ctx.stack, cluster.mode, c.queueing.value, clusterQueueing),
        }
      : undefined;
  const sizesParsed = ["gpusPerNode", "nodes"].every((f) => !c.experiment.failed.has(f));
  const standIns = new Set([
    ...[...c.cluster.failed].map((f) => (f === "*" ? "cluster" : `cluster.${f}`)),
    ...[...c.experiment.failed].map((f) => (f === "*" ? "experiment" : `experiment.${f}`)),
    ...(regionProblems.length > 0 ? ["aws:region"] : []),
  ]);
  return { problems, spec, poolPaths, gateable: experiment !== undefined && sizesParsed, shmParsed: !c.experiment.failed.has("shmGiB"), standIns };
}

/**
 * A secure value (`pulumi config set --secret --path 'experiment.env.TOKEN'`) anywhere but under
 * secretEnv would be decrypted into plain resource inputs (the Job's env, say), and so into the
 * state and the cluster in plain text; secretEnv keeps each value a secret Output and puts it in a
 * Kubernetes Secret. Pulumi marks the whole key secret when any value inside it is.
 */
function secretsOutsideSecretEnv(raw: RawConfig, ctx: LoadContext): Problem[] {
  return Object.keys(raw)
    .filter((key) => key.startsWith(`${NAMESPACE}:`) && key !== `${NAMESPACE}:${SECRET_ENV_KEY}` && ctx.isSecret?.(key) === true)
    .map((key) => ({
      path: key,
      message: `holds a secret value, which would reach the pods and the state in plain text; secrets go under ${NAMESPACE}:${SECRET_ENV_KEY}, one variable each (pulumi config set --secret --path '${SECRET_ENV_KEY}.NAME' <value>)`,
    }));
}

/**
 * A stack that creates AWS resources names its region: the AWS provider would otherwise take it
 * from the environment, and the cluster could land somewhere other than the plan said. A region
 * given is one of the partition every ARN of this program is written for.
 */
function regionRules(mode: StackInput["cluster"]["mode"] | undefined, experiment: StackInput["experiment"], raw: RawConfig): Problem[] {
  const region = raw["aws:region"];
  if (region !== undefined) {
    if (!AWS_REGIONS.includes(region)) {
      return [{ path: "aws:region", message: `is not an AWS region (got ${show(region)}; allowed: ${commercialRegions().join(", ")})${didYouMean(region, AWS_REGIONS)}` }];
    }
    if (regionPartition(region) !== PROGRAM_PARTITION) {
      return [{ path: "aws:region", message: `is in the ${regionPartition(region)} partition (got ${show(region)}); this program writes ARNs for the ${PROGRAM_PARTITION} partition (allowed: ${commercialRegions().join(", ")})` }];
    }
    return [];
  }
  const grants = experiment ? awsAccessReason(sourceUses(experiment)) : undefined;
  if (mode !== "create" && !grants) return [];
  const why = mode === "create" ? "this stack creates an EKS cluster" : `this stack ${grants}`;
  return [{ path: "aws:region", message: `is required: ${why} (got nothing; e.g. aws:region: ${DEFAULT_REGION})` }];
}

function resolvePools(input: Pick<StackInput, "cluster" | "nodePools">): PoolSpec[] {
  return input.nodePools.map((pool) => ({
    ...pool,
    kind: pool.kind ?? defaultPoolKind(input as StackInput),
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
    efa: image.efa,
    requested: `${image.repository}@${image.digest}`,
    custom: true,
  };
}
