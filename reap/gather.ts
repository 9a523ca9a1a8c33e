/**
 * Reads what the decisions need about every deployed stack of this project, through the
 * PulumiWorkspace and KubeConnector seams. Every failure is recorded on the stack it concerns
 * (the decisions keep what cannot be read); only failing to list the stacks at all is fatal.
 */
import { CLUSTER_OUTPUTS } from "../components/target";
import { ConfigError } from "../config/errors";
import { NAMESPACE, RawConfig, loadStackSpec } from "../config/load";
import { clusterSchema } from "../config/schema";
import type { StackSpec } from "../config/spec";
import { buildPlan } from "../plan/plan";
import { Activity, ActivityOptions, summarizeActivity } from "./activity";
import { deployedIdle, idleSettings } from "./settings";
import type { ClusterRef, Observed, StackFacts } from "./decide";
import { DeployedStack, KubeAccessError, KubeConnector, KubeView, PulumiWorkspace, StackResource, shortName } from "./types";

/** The EKS cluster's type in a stack's state (components/aws/cluster.ts creates it with @pulumi/aws). */
export const EKS_CLUSTER_TYPE = "aws:eks/cluster:Cluster";

export interface GatherDeps {
  readonly project: string;
  readonly workspace: PulumiWorkspace;
  readonly kube: KubeConnector;
  /** Raw config of stacks/Pulumi.<stack>.yaml; undefined when there is no such file; may throw ConfigError. */
  readonly readStackConfig: (stack: string) => RawConfig | undefined;
  /** The bound on Pending GPU pods outside Kueue, in minutes. */
  readonly pendingBoundMinutes: number;
  /** The clock, for "Pending for how long". */
  readonly now: () => Date;
}

/** The output a reusing stack records its cluster stack under (components/target.ts reuseTarget). */
export const CLUSTER_STACK_OUTPUT = "clusterStack";

export async function gatherFacts(deps: GatherDeps, deployed: readonly DeployedStack[]): Promise<StackFacts[]> {
  const facts: StackFacts[] = [];
  for (const d of deployed) facts.push(await gatherStack(deps, d));
  return facts;
}

async function gatherStack(deps: GatherDeps, deployed: DeployedStack): Promise<StackFacts> {
  const stack = shortName(deployed.name);
  const raw = attempt(() => deps.readStackConfig(stack));
  const spec: Observed<StackSpec> = !raw.ok
    ? raw
    : raw.value === undefined
      ? { ok: false, error: `no stack file stacks/Pulumi.${stack}.yaml` }
      : attempt(() => loadStackSpec(raw.value!, { project: deps.project, stack, readStackConfig: (s) => deps.readStackConfig(s) }));
  const updateStartedAt = deployed.updateInProgress ? await updateStart(deps, deployed.name) : undefined;
  const base = { name: deployed.name, stack, deployed, spec, ...(updateStartedAt ? { updateStartedAt } : {}) };
  const fromFile = raw.ok && raw.value ? clusterRefFromConfig(raw.value) : undefined;
  // Nothing deployed, or a cluster that is not ours: nothing more to read.
  if (deployed.resourceCount === 0 || fromFile?.mode === "existing") return { ...base, clusterRef: fromFile };

  const outputs = await attemptAsync(() => deps.workspace.outputs(deployed.name));
  const settings = idleSettings(outputs.ok ? deployedIdle(outputs.value) : undefined, spec);
  const withSettings = { ...base, settings };
  // The deployed outputs win for a reused cluster: destroy needs the cluster the state points at,
  // whatever the file says today.
  const fromOutputs = outputs.ok ? clusterRefFromOutputs(outputs.value) : undefined;
  const clusterRef = fromOutputs?.mode === "reuse" ? fromOutputs : (fromFile ?? fromOutputs);
  if (!clusterRef || clusterRef.mode === "existing") return { ...withSettings, clusterRef };

  const resources = await attemptAsync<readonly StackResource[]>(() => deps.workspace.resources(deployed.name));
  if (clusterRef.mode === "reuse") return { ...withSettings, clusterRef, resources };

  const basePerHour = outputs.ok && deployedBasePerHour(outputs.value) !== undefined ? { ok: true as const, value: deployedBasePerHour(outputs.value)! } : spec.ok ? attempt(() => buildPlan(spec.value).cluster.basePerHour) : undefined;
  const read = !outputs.ok ? undefined : await readActivity(deps.kube, outputs.value[CLUSTER_OUTPUTS.kubeconfig], activityOptions(deps));
  const activity: Observed<Activity> = outputs.ok && read ? read.activity : { ok: false, error: `its stack outputs cannot be read: ${outputs.ok ? "" : outputs.error}` };
  // The last update of a cluster stack: a failed destroy is retried, not counted as activity.
  const history = await attemptAsync(() => deps.workspace.history(deployed.name, 1));
  const last = history.ok ? history.value[0] : undefined;
  const destroyFailedAt = last?.kind === "destroy" && last.result === "failed" ? (last.endTime ?? last.startTime ?? deployed.lastUpdate) : undefined;
  const clusterGone = read?.unresolvable ? goneBecause(destroyFailedAt !== undefined, resources) : undefined;
  return {
    ...withSettings,
    clusterRef,
    resources,
    activity,
    basePerHour: basePerHour?.ok ? basePerHour.value : undefined,
    ...(clusterGone ? { clusterGone } : {}),
    ...(destroyFailedAt ? { destroyFailedAt } : {}),
  };
}

/** The cluster's base $/h as deployed (the plan in the `summary` output). */
function deployedBasePerHour(outputs: Record<string, unknown>): number | undefined {
  const cluster = (outputs.summary as { cluster?: { basePerHour?: unknown } } | undefined)?.cluster;
  return typeof cluster?.basePerHour === "number" ? cluster.basePerHour : undefined;
}

export function activityOptions(deps: Pick<GatherDeps, "pendingBoundMinutes" | "now">): ActivityOptions {
  return { now: deps.now(), pendingBoundMinutes: deps.pendingBoundMinutes };
}

/** When the update in progress started, from the stack's history; undefined where the backend does not say. */
async function updateStart(deps: GatherDeps, stack: string): Promise<Date | undefined> {
  const history = await attemptAsync(() => deps.workspace.history(stack, 1));
  const current = history.ok ? history.value.find((u) => u.result === "in-progress") : undefined;
  return current?.startTime;
}

/**
 * Why the cluster of a stack whose endpoint no longer resolves is gone, or undefined when that is
 * not certain: the last destroy of the stack failed, or its state holds no EKS cluster any more.
 * A name that does not resolve alone could be a DNS outage, which must not lose a cluster.
 */
function goneBecause(destroyFailed: boolean, resources: Observed<readonly StackResource[]>): string | undefined {
  if (destroyFailed) return "its last destroy failed and its cluster endpoint no longer resolves";
  if (resources.ok && !resources.value.some((r) => r.type === EKS_CLUSTER_TYPE)) return "its state has no EKS cluster left and its cluster endpoint no longer resolves";
  return undefined;
}

/**
 * The cluster's GPU pods, Jobs, JobSets, Kueue Workloads and nodes through its kubeconfig output;
 * `unresolvable` when the endpoint's name does not resolve (ENOTFOUND: the name does not exist,
 * unlike EAI_AGAIN, a resolver that did not answer).
 */
export async function readActivity(kube: KubeConnector, kubeconfig: unknown, options: ActivityOptions): Promise<{ activity: Observed<Activity>; unresolvable: boolean }> {
  if (kubeconfig === undefined || kubeconfig === null || kubeconfig === "") {
    return { activity: { ok: false, error: `the stack has no ${CLUSTER_OUTPUTS.kubeconfig} output (was its last \`pulumi up\` complete?)` }, unresolvable: false };
  }
  const text = typeof kubeconfig === "string" ? kubeconfig : JSON.stringify(kubeconfig);
  let unresolvable = false;
  const activity = await attemptAsync(async () => {
    try {
      const view: KubeView = await kube.connect(text);
      const [pods, jobs, nodes, jobSets, workloads, leftovers] = await Promise.all([view.listGpuPods(), view.listGpuJobs(), view.listGpuNodes(), view.listGpuJobSets(), view.listWorkloads(), view.listLeftovers()]);
      return summarizeActivity({ pods, jobs, nodes, jobSets, workloads, leftovers }, options);
    } catch (e) {
      unresolvable = e instanceof KubeAccessError && e.problem === "unreachable" && /ENOTFOUND/.test(e.message);
      throw e;
    }
  });
  return { activity, unresolvable };
}

/**
 * Which cluster a stack uses, read leniently from its raw config so that a stack whose full
 * configuration no longer validates still counts as a dependent of the cluster it names.
 */
export function clusterRefFromConfig(raw: RawConfig): ClusterRef | undefined {
  const value = raw[`${NAMESPACE}:cluster`];
  if (value === undefined) return { mode: "create" };
  let decoded: unknown;
  try {
    decoded = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = clusterSchema.safeParse(decoded);
  if (parsed.success) return parsed.data.mode === "reuse" ? { mode: "reuse", stack: parsed.data.stack } : { mode: parsed.data.mode };
  const mode = (decoded as { mode?: unknown } | null)?.mode;
  const stack = (decoded as { stack?: unknown } | null)?.stack;
  if (mode === "reuse" && typeof stack === "string") return { mode: "reuse", stack };
  return undefined;
}

/** What the deployed outputs say: a reusing stack exports clusterStack, a cluster stack its kubeconfig. */
export function clusterRefFromOutputs(outputs: Record<string, unknown>): ClusterRef | undefined {
  const ref = outputs[CLUSTER_STACK_OUTPUT];
  if (typeof ref === "string" && ref) return { mode: "reuse", stack: shortName(ref) };
  if (outputs[CLUSTER_OUTPUTS.kubeconfig] !== undefined) return { mode: "create" };
  return undefined;
}

function attempt<T>(fn: () => T): Observed<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: messageOf(e) };
  }
}

async function attemptAsync<T>(fn: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: messageOf(e) };
  }
}

/** One line: a ConfigError's problems joined, any other error's message. */
export function messageOf(e: unknown): string {
  if (e instanceof ConfigError) return e.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}
