/**
 * Reads an experiment's run from a cluster through a KubeGetter: its Jobs and JobSets by our
 * experiment label (k8s/labels.ts), their pods, the nodes they run on, Kueue's Workloads and the
 * LocalQueue's pending list, and the log tails the report needs. Optional APIs (JobSet, Kueue,
 * Kueue's visibility server) are simply absent when a cluster does not serve them (404).
 * Paths: https://kubernetes.io/docs/reference/kubernetes-api/ (pods, jobs, nodes, pods/log);
 * jobset.x-k8s.io/v1alpha2 jobsets (kubernetes-sigs/jobset); kueue.x-k8s.io v1beta2 (then v1beta1)
 * workloads and visibility.kueue.x-k8s.io pendingworkloads (kubernetes-sigs/kueue, see objects.ts).
 */
import { EXPERIMENT_LABEL } from "../k8s/labels";
import { KubeAccessError } from "../reap/types";
import { HttpStatusError, KubeGetter } from "./kube-client";
import { Job, JobSet, Node, PendingWorkload, Pod, RunObjects, Workload, labelsOf } from "./objects";
import { TRAINER_CONTAINER, currentPods, isTerminal } from "./pods";
import { Run, latestRun, podsOfRun, runPods, runsOf } from "./report";
import { StatusError } from "./target";
import { queueStatus, workloadOf } from "./queue";

/** Lines of log read for progress and failure lines. */
export const LOG_TAIL_LINES = 500;
const KUEUE_VERSIONS = ["v1beta2", "v1beta1"] as const;

interface List<T> {
  readonly items?: T[];
}

/**
 * A list, or [] where the API is not served. Paths are tried in order until one has items (a
 * namespaced list, then all namespaces); only the first path's refusals are errors.
 */
async function list<T>(kube: KubeGetter, paths: readonly string[], labelSelector?: string, optional = false): Promise<T[]> {
  for (const [i, path] of paths.entries()) {
    try {
      const items = (await kube.getJson<List<T>>(path, { labelSelector })).items ?? [];
      if (items.length > 0) return items;
    } catch (e) {
      const absent = e instanceof HttpStatusError && (e.status === 404 || e.status === 405);
      const refusedLater = i > 0 && (e instanceof HttpStatusError || isForbidden(e));
      // What only adds detail (JobSets, Kueue, nodes) is left out for a user who may not read it.
      if (!absent && !refusedLater && !(optional && isForbidden(e))) throw e;
    }
  }
  return [];
}

const isForbidden = (e: unknown) => e instanceof KubeAccessError && e.problem === "forbidden";

/**
 * Only the namespace's own list: each stack has its namespace (config/names.ts stackNamespace),
 * and another stack's runs of an experiment with the same name must not show up as this one's.
 */
const nsPaths = (group: string, namespace: string, plural: string) => [`${group}/namespaces/${namespace}/${plural}`];

function withExperiment<T extends { metadata?: { labels?: Record<string, string> } }>(items: readonly T[], experiment: string): T[] {
  return items.filter((o) => labelsOf(o)[EXPERIMENT_LABEL] === experiment);
}

/** Which run: the newest (default), the one before it, or one by name. */
export type RunChoice = { readonly name: string } | { readonly previous: true };

/** The run a choice names among the experiment's runs, or a StatusError-worthy message. */
export function chooseRun(runs: readonly Run[], choice: RunChoice, experiment: string): Run | string {
  const names = runs.map((r) => r.object.metadata?.name ?? "").reverse();
  if ("previous" in choice) return runs.length >= 2 ? runs[runs.length - 2] : `experiment ${experiment} has no previous run on the cluster (its runs, newest first: ${names.join(", ") || "none"})`;
  return runs.find((r) => r.object.metadata?.name === choice.name) ?? `experiment ${experiment} has no run ${choice.name} on the cluster (its runs, newest first: ${names.join(", ") || "none"}; a finished exec run is deleted a day after it ends)`;
}

/** The experiment's Jobs, JobSets and pods: what `npm run logs` needs. */
export async function readRunPods(kube: KubeGetter, namespace: string, experiment: string, choice?: RunChoice): Promise<Pick<RunObjects, "jobs" | "jobSets" | "pods">> {
  const selector = `${EXPERIMENT_LABEL}=${experiment}`;
  let jobs = withExperiment(await list<Job>(kube, nsPaths("/apis/batch/v1", namespace, "jobs"), selector), experiment);
  const jobSets = withExperiment(await list<JobSet>(kube, nsPaths("/apis/jobset.x-k8s.io/v1alpha2", namespace, "jobsets"), selector, true), experiment);
  if (jobs.length === 0 && jobSets.length === 0) {
    // A Job without the experiment label, named exactly after the experiment (config/names.ts). Not
    // by name prefix: `sweep-lr-b` is another experiment's Job, not a run of `sweep-lr`.
    jobs = (await list<Job>(kube, nsPaths("/apis/batch/v1", namespace, "jobs"))).filter(
      (j) => j.metadata?.name === experiment && (labelsOf(j)[EXPERIMENT_LABEL] ?? experiment) === experiment,
    );
  }
  let pods = withExperiment(await list<Pod>(kube, nsPaths("/api/v1", namespace, "pods"), selector), experiment);
  const chosen = choice ? chooseRun(runsOf({ jobs, jobSets }), choice, experiment) : undefined;
  if (typeof chosen === "string") throw new StatusError(chosen);
  const run = chosen ?? latestRun({ experiment, namespace, jobs, jobSets, pods, nodes: new Map(), workloads: [], logs: new Map() }).run;
  if (run && podsOfRun(run, pods).length === 0) {
    // Pods are found by the labels Kubernetes itself puts on them, whatever labels the template had.
    const label = run.kind === "Job" ? `batch.kubernetes.io/job-name=${run.object.metadata?.name}` : `jobset.sigs.k8s.io/jobset-name=${run.object.metadata?.name}`;
    pods = [...pods, ...podsOfRun(run, await list<Pod>(kube, nsPaths("/api/v1", namespace, "pods"), label))];
  }
  return { jobs, jobSets, pods: runPods(run, pods) };
}

export async function readRun(kube: KubeGetter, namespace: string, experiment: string): Promise<RunObjects> {
  const { jobs, jobSets, pods } = await readRunPods(kube, namespace, experiment);
  const { run } = latestRun({ experiment, namespace, jobs, jobSets, pods, nodes: new Map(), workloads: [], logs: new Map() });
  const { nodes, refused: nodesRefused } = await readNodes(kube, pods);
  const workloads = await readWorkloads(kube, namespace);
  const ref = run && { kind: run.kind, name: run.object.metadata?.name ?? experiment, uid: run.object.metadata?.uid, labels: labelsOf(run.object), suspended: run.object.spec?.suspend === true };
  const workload = ref ? workloadOf(ref, workloads) : undefined;
  const pending = ref && workload && queueStatus(ref, workload, undefined).state === "queued" ? await readPending(kube, namespace, workload) : undefined;
  const logs = await readLogs(kube, namespace, pods);
  const startLogs = await readStartLog(kube, namespace, pods);
  return { experiment, namespace, jobs, jobSets, pods, nodes, nodesRefused, workloads, pending, logs, startLogs };
}

/** Bytes of rank 0's log read from its start for the start phases: the launcher's lines and the first steps. */
export const START_LOG_BYTES = 64 * 1024;

/**
 * The start of rank 0's log with the kubelet's timestamps (`timestamps=true`; `limitBytes` counts
 * from the start of the log). Left out, not an error, when it cannot be read: the phases then
 * stop at what the pod's conditions say.
 */
async function readStartLog(kube: KubeGetter, namespace: string, pods: readonly Pod[]): Promise<Map<string, string>> {
  const rank0 = currentPods(pods).get(0)?.pod;
  if (!rank0 || !hasStarted(rank0)) return new Map();
  try {
    const text = await kube.getText(logPath(namespace, rank0), { container: containerOf(rank0), timestamps: "true", limitBytes: START_LOG_BYTES });
    return new Map([[rank0.metadata?.name ?? "", text]]);
  } catch (e) {
    if (e instanceof HttpStatusError || e instanceof KubeAccessError) return new Map();
    throw e;
  }
}

/** The one line for an experiment that has nothing on the cluster. */
export function noRunMessage(experiment: string, stack: string, server: string, namespace: string): string {
  return `experiment ${experiment} (stack ${stack}) has no run yet on ${server}: no Job, JobSet or pod labelled ${EXPERIMENT_LABEL}=${experiment} in namespace ${namespace} (\`pulumi up\` on the stack submits it)`;
}

/** The one line for an experiment named with --experiment that no namespace of the cluster has. */
export function noRunAnywhereMessage(experiment: string, server: string): string {
  return `experiment ${experiment} has no run in any namespace of ${server}: no Job, JobSet or pod labelled ${EXPERIMENT_LABEL}=${experiment}`;
}

async function readNodes(kube: KubeGetter, pods: readonly Pod[]): Promise<{ nodes: Map<string, Node>; refused: boolean }> {
  const names = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))];
  const nodes = new Map<string, Node>();
  let all: Node[] | undefined;
  for (const name of names) {
    try {
      nodes.set(name, await kube.getJson<Node>(`/api/v1/nodes/${encodeURIComponent(name)}`));
    } catch (e) {
      // A user without `get nodes` still gets the run; instance type and cost are then unknown.
      if (isForbidden(e)) return { nodes, refused: true };
      if (!(e instanceof HttpStatusError)) throw e;
      all ??= await list<Node>(kube, ["/api/v1/nodes"], undefined, true);
      const found = all.find((n) => n.metadata?.name === name);
      if (found) nodes.set(name, found);
    }
  }
  return { nodes, refused: false };
}

async function readWorkloads(kube: KubeGetter, namespace: string): Promise<Workload[]> {
  for (const version of KUEUE_VERSIONS) {
    const items = await list<Workload>(kube, nsPaths(`/apis/kueue.x-k8s.io/${version}`, namespace, "workloads"), undefined, true);
    if (items.length > 0) return items.filter((w) => (w.metadata?.namespace ?? namespace) === namespace);
  }
  return [];
}

/** The LocalQueue's pending Workloads, or undefined where the visibility API is not served or refused. */
async function readPending(kube: KubeGetter, namespace: string, workload: Workload): Promise<PendingWorkload[] | undefined> {
  const queue = workload.spec?.queueName;
  if (!queue) return undefined;
  for (const version of KUEUE_VERSIONS) {
    try {
      const summary = await kube.getJson<List<PendingWorkload>>(`/apis/visibility.kueue.x-k8s.io/${version}/namespaces/${namespace}/localqueues/${encodeURIComponent(queue)}/pendingworkloads`);
      return summary.items ?? [];
    } catch (e) {
      if (e instanceof HttpStatusError || isForbidden(e)) continue;
      throw e;
    }
  }
  return undefined;
}

/** Rank 0's log tail, and the tails of failed pods (for the preflight's line). */
async function readLogs(kube: KubeGetter, namespace: string, pods: readonly Pod[]): Promise<Map<string, string>> {
  const current = currentPods(pods);
  const wanted = [current.get(0)?.pod ?? [...current.values()][0]?.pod, ...[...current.values()].map((c) => c.pod).filter((p) => p.status?.phase === "Failed")];
  const logs = new Map<string, string>();
  for (const pod of wanted) {
    if (!pod || logs.has(pod.metadata?.name ?? "") || !hasStarted(pod)) continue;
    try {
      logs.set(pod.metadata!.name!, await kube.getText(logPath(namespace, pod), { container: containerOf(pod), tailLines: LOG_TAIL_LINES }));
    } catch (e) {
      if (!(e instanceof HttpStatusError)) throw e;
      // A log that cannot be read (node gone, container never started) only leaves progress unknown.
    }
  }
  return logs;
}

export function logPath(namespace: string, pod: Pod): string {
  return `/api/v1/namespaces/${encodeURIComponent(pod.metadata?.namespace ?? namespace)}/pods/${encodeURIComponent(pod.metadata?.name ?? "")}/log`;
}

/** The trainer container where the pod has one, else its only (first) container. */
export function containerOf(pod: Pod): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  return names.includes(TRAINER_CONTAINER) ? TRAINER_CONTAINER : names[0];
}

export function hasStarted(pod: Pod): boolean {
  return pod.status?.phase === "Running" || isTerminal(pod) || (pod.status?.containerStatuses ?? []).some((s) => s.state?.running || s.state?.terminated);
}

/** Experiments on the cluster: every value of our experiment label on Jobs, JobSets and pods. */
export interface ExperimentRef {
  readonly namespace: string;
  readonly experiment: string;
}

/**
 * The experiments on the cluster, each with its namespace (a stack's own: config/names.ts
 * stackNamespace): in one namespace, or in every namespace when none is given.
 */
export async function listExperiments(kube: KubeGetter, namespace?: string): Promise<ExperimentRef[]> {
  const found = new Map<string, ExperimentRef>();
  for (const [group, plural] of [
    ["/apis/batch/v1", "jobs"],
    ["/apis/jobset.x-k8s.io/v1alpha2", "jobsets"],
    ["/api/v1", "pods"],
  ] as const) {
    const paths = namespace ? nsPaths(group, namespace, plural) : [`${group}/${plural}`];
    for (const o of await list<Job>(kube, paths, EXPERIMENT_LABEL, plural === "jobsets")) {
      const name = labelsOf(o)[EXPERIMENT_LABEL];
      const ns = o.metadata?.namespace ?? namespace;
      if (name && ns) found.set(`${ns}/${name}`, { namespace: ns, experiment: name });
    }
  }
  return [...found.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.experiment.localeCompare(b.experiment));
}

/**
 * Where an experiment's runs are: the target's namespace, or for one named with --experiment the
 * namespaces the cluster has it in (none: not there).
 */
export async function experimentNamespaces(kube: KubeGetter, experiment: string, namespace?: string): Promise<string[]> {
  if (namespace) return [namespace];
  return (await listExperiments(kube)).filter((r) => r.experiment === experiment).map((r) => r.namespace);
}
