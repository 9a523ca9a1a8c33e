/**
 * A cluster's GPU activity from what Kubernetes and Kueue list: the work the cluster owes (running,
 * pending, queued), work Kueue will not admit without a person, pods stuck Pending past a bound,
 * when GPU work last ended and by which signal, and which GPU nodes are still up. Pure.
 */
import { findInstance } from "../catalog/instances";
import type { Leftover } from "./leftovers";
import type { GpuJob, GpuJobSet, GpuNode, GpuPod, QueuedWorkload } from "./types";

export interface LastJob {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: "succeeded" | "failed";
  readonly finishedAt: Date;
}

/** When GPU work last ended, and what says so ("Workload default/job-train-x finished"). */
export interface WorkEnd {
  readonly at: Date;
  readonly signal: string;
}

/** The default bound on a Pending GPU pod outside Kueue: an image that never pulls must not hold a cluster forever. */
export const DEFAULT_PENDING_BOUND_MINUTES = 30;

export interface ActivityOptions {
  readonly now: Date;
  /** A GPU pod outside Kueue Pending longer than this stops counting as busy. */
  readonly pendingBoundMinutes: number;
}

export interface Activity {
  /** GPU pods that hold or wait for GPUs: Running, Pending (within the bound or in Kueue), and Unknown (the kubelet is silent). */
  readonly running: readonly GpuPod[];
  readonly pending: readonly GpuPod[];
  readonly unknown: readonly GpuPod[];
  /** GPU pods outside Kueue Pending longer than the bound: not busy, reported. */
  readonly stuckPending: readonly GpuPod[];
  readonly pendingBoundMinutes: number;
  /** GPU Jobs that run (not suspended, not finished), pods or not, but for those whose only pods are stuck. */
  readonly unfinishedJobs: readonly GpuJob[];
  /** GPU JobSets that run (not suspended, not finished). */
  readonly runningJobSets: readonly GpuJobSet[];
  /** Work queued in Kueue (pending, requeued, admitted but not started) and suspended Jobs/JobSets with a queue label. */
  readonly queued: readonly QueuedWorkload[];
  /** Workloads Kueue will not admit until a person acts: not busy, and never dropped silently. */
  readonly inadmissible: readonly QueuedWorkload[];
  readonly lastJob?: LastJob;
  /** The latest end of any GPU pod, Job, JobSet or Workload still listed (finished or evicted). */
  readonly lastGpuWork?: WorkEnd;
  readonly gpuNodes: readonly GpuNode[];
  /** On-demand $/h of the GPU nodes still up whose type we know. */
  readonly gpuNodesPerHour: number;
  /** GPU nodes with no known price (hybrid machines, unknown types). */
  readonly unpricedNodes: readonly string[];
  /** What would outlive the cluster (reap/leftovers.ts). */
  readonly leftovers: readonly Leftover[];
}

export interface ClusterLists {
  readonly pods: readonly GpuPod[];
  readonly jobs: readonly GpuJob[];
  readonly nodes: readonly GpuNode[];
  readonly jobSets?: readonly GpuJobSet[];
  readonly workloads?: readonly QueuedWorkload[];
  readonly leftovers?: readonly Leftover[];
}

export function summarizeActivity(lists: ClusterLists, options: ActivityOptions): Activity {
  const { pods, jobs, nodes } = lists;
  const jobSets = lists.jobSets ?? [];
  const workloads = lists.workloads ?? [];
  const key = (namespace: string, owner: string) => `${namespace}/${owner}`;
  const byOwner = new Map(workloads.filter((w) => w.owner).map((w) => [key(w.namespace, w.owner!), w]));
  const queuedJob = (ns: string, name: string) => jobs.some((j) => j.namespace === ns && j.name === name && j.queueName) || byOwner.has(key(ns, `Job ${name}`));
  const queuedJobSet = (ns: string, name: string) => jobSets.some((j) => j.namespace === ns && j.name === name && j.queueName) || byOwner.has(key(ns, `JobSet ${name}`));
  const inKueue = (p: GpuPod) => !!p.queueName || (p.jobName !== undefined && queuedJob(p.namespace, p.jobName)) || (p.jobSetName !== undefined && queuedJobSet(p.namespace, p.jobSetName));

  const boundMs = options.pendingBoundMinutes * 60_000;
  const stuck = (p: GpuPod) => p.phase === "Pending" && !inKueue(p) && p.createdAt !== undefined && options.now.getTime() - p.createdAt.getTime() > boundMs;
  const stuckPending = pods.filter(stuck);
  // A Job whose pods are all finished or stuck holds nothing either: its stuck pods are its work.
  const onlyStuck = (ns: string, job: string) => {
    const mine = pods.filter((p) => p.namespace === ns && p.jobName === job);
    return mine.some(stuck) && mine.every((p) => stuck(p) || p.phase === "Succeeded" || p.phase === "Failed");
  };

  const finishedJobs = jobs.filter((j): j is GpuJob & { finishedAt: Date; outcome: "succeeded" | "failed" } => (j.outcome === "succeeded" || j.outcome === "failed") && j.finishedAt !== undefined);
  const last = latest(finishedJobs, (j) => j.finishedAt);
  const runningJobs = jobs.filter((j) => j.outcome === "running" && !(j.queueName === undefined && !j.jobSetName && onlyStuck(j.namespace, j.name)));
  const runningJobSets = jobSets.filter((j) => j.outcome === "running");
  const running = new Set([...runningJobs.map((j) => key(j.namespace, `Job ${j.name}`)), ...runningJobSets.map((j) => key(j.namespace, `JobSet ${j.name}`))]);

  const queued: QueuedWorkload[] = workloads.filter((w) => w.state === "waiting" || (w.state === "admitted" && !(w.owner && running.has(key(w.namespace, w.owner)))));
  // Kueue's webhook suspends a Job with a queue label until its Workload is admitted; without a
  // Workload (Kueue down, or not yet reconciled) the Job is still work the cluster owes.
  const suspended = [
    ...jobs.filter((j) => j.outcome === "suspended" && j.queueName && !j.jobSetName).map((j) => ({ ...j, kind: "Job" })),
    ...jobSets.filter((j) => j.outcome === "suspended" && j.queueName).map((j) => ({ ...j, kind: "JobSet" })),
  ];
  for (const s of suspended) {
    if (byOwner.has(key(s.namespace, `${s.kind} ${s.name}`))) continue;
    queued.push({
      namespace: s.namespace,
      name: `${s.kind.toLowerCase()}/${s.name}`,
      owner: `${s.kind} ${s.name}`,
      state: "waiting",
      cause: "pending",
      detail: `suspended for LocalQueue ${s.queueName} and Kueue has made no Workload for it (is the Kueue controller running?)`,
      createdAt: s.createdAt,
      waitingSince: s.createdAt,
    });
  }

  const ends: WorkEnd[] = [
    ...finishedJobs.map((j) => ({ at: j.finishedAt, signal: `Job ${j.namespace}/${j.name} ${j.outcome}` })),
    ...jobSets.filter((j) => j.finishedAt).map((j) => ({ at: j.finishedAt!, signal: `JobSet ${j.namespace}/${j.name} ${j.outcome}` })),
    ...workloads.filter((w) => w.finishedAt).map((w) => ({ at: w.finishedAt!, signal: `Kueue Workload ${w.namespace}/${w.name} finished` })),
    ...workloads.filter((w) => w.evictedAt).map((w) => ({ at: w.evictedAt!, signal: `Kueue Workload ${w.namespace}/${w.name} evicted (its pods deleted)` })),
    // Last, so that at the same time the Job or Workload names the signal.
    ...pods.filter((p) => p.finishedAt).map((p) => ({ at: p.finishedAt!, signal: `GPU pod ${p.namespace}/${p.name} ${p.phase === "Failed" ? "failed or was evicted" : "ended"}` })),
  ];
  const priced = nodes.map((n) => ({ node: n, price: n.instanceType ? findInstance(n.instanceType)?.pricePerHour : undefined }));
  return {
    running: pods.filter((p) => p.phase === "Running"),
    pending: pods.filter((p) => p.phase === "Pending" && !stuck(p)),
    unknown: pods.filter((p) => p.phase === "Unknown"),
    stuckPending,
    pendingBoundMinutes: options.pendingBoundMinutes,
    unfinishedJobs: runningJobs,
    runningJobSets,
    queued,
    inadmissible: workloads.filter((w) => w.state === "inadmissible"),
    lastJob: last && { namespace: last.namespace, name: last.name, outcome: last.outcome, finishedAt: last.finishedAt },
    lastGpuWork: latest(ends, (e) => e.at),
    gpuNodes: nodes,
    gpuNodesPerHour: priced.reduce((sum, p) => sum + (p.price ?? 0), 0),
    unpricedNodes: priced.filter((p) => p.price === undefined).map((p) => p.node.name),
    leftovers: lists.leftovers ?? [],
  };
}

/** Whether the cluster owes GPU work: something holds GPUs, waits for them, or is queued for them. */
export function isBusy(a: Activity): boolean {
  return a.running.length + a.pending.length + a.unknown.length + a.unfinishedJobs.length + a.runningJobSets.length + a.queued.length > 0;
}

/** Whether what keeps it busy is work in hand (running) rather than work waiting for GPUs. */
export function isRunning(a: Activity): boolean {
  return a.running.length + a.unknown.length + a.unfinishedJobs.length + a.runningJobSets.length + a.queued.filter((w) => w.state === "admitted").length > 0;
}

function latest<T>(items: readonly T[], at: (t: T) => Date): T | undefined {
  return items.reduce<T | undefined>((best, t) => (best === undefined || at(t).getTime() > at(best).getTime() ? t : best), undefined);
}
