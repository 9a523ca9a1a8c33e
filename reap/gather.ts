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
import { Activity, summarizeActivity } from "./activity";
import type { ClusterRef, Observed, StackFacts } from "./decide";
import { DeployedStack, KubeConnector, KubeView, PulumiWorkspace, StackResource, shortName } from "./types";

export interface GatherDeps {
  readonly project: string;
  readonly workspace: PulumiWorkspace;
  readonly kube: KubeConnector;
  /** Raw config of stacks/Pulumi.<stack>.yaml; undefined when there is no such file; may throw ConfigError. */
  readonly readStackConfig: (stack: string) => RawConfig | undefined;
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
  const base = { name: deployed.name, stack, deployed, spec };
  const fromFile = raw.ok && raw.value ? clusterRefFromConfig(raw.value) : undefined;
  // Nothing deployed, or a cluster that is not ours: nothing more to read.
  if (deployed.resourceCount === 0 || fromFile?.mode === "existing") return { ...base, clusterRef: fromFile };

  const outputs = await attemptAsync(() => deps.workspace.outputs(deployed.name));
  // The deployed outputs win for a reused cluster: destroy needs the cluster the state points at,
  // whatever the file says today.
  const fromOutputs = outputs.ok ? clusterRefFromOutputs(outputs.value) : undefined;
  const clusterRef = fromOutputs?.mode === "reuse" ? fromOutputs : (fromFile ?? fromOutputs);
  if (!clusterRef || clusterRef.mode === "existing") return { ...base, clusterRef };

  const resources = await attemptAsync<readonly StackResource[]>(() => deps.workspace.resources(deployed.name));
  if (clusterRef.mode === "reuse") return { ...base, clusterRef, resources };

  const basePerHour = spec.ok ? attempt(() => buildPlan(spec.value).cluster.basePerHour) : undefined;
  const activity: Observed<Activity> = !outputs.ok
    ? { ok: false, error: `its stack outputs cannot be read: ${outputs.error}` }
    : await readActivity(deps.kube, outputs.value[CLUSTER_OUTPUTS.kubeconfig]);
  return { ...base, clusterRef, resources, activity, basePerHour: basePerHour?.ok ? basePerHour.value : undefined };
}

/** The cluster's GPU pods, Jobs and nodes through its kubeconfig output. */
export async function readActivity(kube: KubeConnector, kubeconfig: unknown): Promise<Observed<Activity>> {
  if (kubeconfig === undefined || kubeconfig === null || kubeconfig === "") {
    return { ok: false, error: `the stack has no ${CLUSTER_OUTPUTS.kubeconfig} output (was its last \`pulumi up\` complete?)` };
  }
  const text = typeof kubeconfig === "string" ? kubeconfig : JSON.stringify(kubeconfig);
  return attemptAsync(async () => {
    const view: KubeView = await kube.connect(text);
    const [pods, jobs, nodes] = await Promise.all([view.listGpuPods(), view.listGpuJobs(), view.listGpuNodes()]);
    return summarizeActivity(pods, jobs, nodes);
  });
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
