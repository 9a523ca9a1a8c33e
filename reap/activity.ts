/**
 * A cluster's GPU activity from what Kubernetes lists: what is busy now, the last job, when GPU
 * work last ended, and which GPU nodes are still up. Pure.
 */
import { findInstance } from "../catalog/instances";
import type { GpuJob, GpuNode, GpuPod } from "./types";

export interface LastJob {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: "succeeded" | "failed";
  readonly finishedAt: Date;
}

export interface Activity {
  /** GPU pods that hold or wait for GPUs: Running, Pending, and Unknown (the kubelet is silent). */
  readonly running: readonly GpuPod[];
  readonly pending: readonly GpuPod[];
  readonly unknown: readonly GpuPod[];
  /** GPU Jobs that have not finished (and are not suspended), pods or not. */
  readonly unfinishedJobs: readonly GpuJob[];
  readonly lastJob?: LastJob;
  /** The latest end of any GPU pod or GPU Job still listed. */
  readonly lastGpuWorkEnd?: Date;
  readonly gpuNodes: readonly GpuNode[];
  /** On-demand $/h of the GPU nodes still up whose type we know. */
  readonly gpuNodesPerHour: number;
  /** GPU nodes with no known price (hybrid machines, unknown types). */
  readonly unpricedNodes: readonly string[];
}

export function summarizeActivity(pods: readonly GpuPod[], jobs: readonly GpuJob[], nodes: readonly GpuNode[]): Activity {
  const finishedJobs = jobs.filter((j): j is GpuJob & { finishedAt: Date; outcome: "succeeded" | "failed" } =>
    (j.outcome === "succeeded" || j.outcome === "failed") && j.finishedAt !== undefined,
  );
  const last = latest(finishedJobs, (j) => j.finishedAt);
  const ends = [...pods.map((p) => p.finishedAt), ...finishedJobs.map((j) => j.finishedAt)].filter((d): d is Date => d !== undefined);
  const priced = nodes.map((n) => ({ node: n, price: n.instanceType ? findInstance(n.instanceType)?.pricePerHour : undefined }));
  return {
    running: pods.filter((p) => p.phase === "Running"),
    pending: pods.filter((p) => p.phase === "Pending"),
    unknown: pods.filter((p) => p.phase === "Unknown"),
    unfinishedJobs: jobs.filter((j) => j.outcome === "running"),
    lastJob: last && { namespace: last.namespace, name: last.name, outcome: last.outcome, finishedAt: last.finishedAt },
    lastGpuWorkEnd: ends.length > 0 ? new Date(Math.max(...ends.map((d) => d.getTime()))) : undefined,
    gpuNodes: nodes,
    gpuNodesPerHour: priced.reduce((sum, p) => sum + (p.price ?? 0), 0),
    unpricedNodes: priced.filter((p) => p.price === undefined).map((p) => p.node.name),
  };
}

/** Whether anything holds or waits for GPUs. */
export function isBusy(a: Activity): boolean {
  return a.running.length + a.pending.length + a.unknown.length + a.unfinishedJobs.length > 0;
}

/** One line on what keeps a cluster busy, e.g. "1 GPU pod running (default/train-0 on node-a)". */
export function describeBusy(a: Activity): string {
  const parts: string[] = [];
  const pods = (list: readonly GpuPod[], what: string) => {
    if (list.length === 0) return;
    const names = list.slice(0, 3).map((p) => `${p.namespace}/${p.name}${p.nodeName ? ` on ${p.nodeName}` : ""}`);
    parts.push(`${list.length} GPU pod${list.length === 1 ? "" : "s"} ${what} (${names.join(", ")}${list.length > 3 ? ", ..." : ""})`);
  };
  pods(a.running, "running");
  pods(a.pending, "pending");
  pods(a.unknown, "in phase Unknown");
  if (a.unfinishedJobs.length > 0) {
    const names = a.unfinishedJobs.slice(0, 3).map((j) => `${j.namespace}/${j.name}`);
    parts.push(`${a.unfinishedJobs.length} GPU Job${a.unfinishedJobs.length === 1 ? "" : "s"} not finished (${names.join(", ")}${a.unfinishedJobs.length > 3 ? ", ..." : ""})`);
  }
  return parts.join("; ");
}

function latest<T>(items: readonly T[], at: (t: T) => Date): T | undefined {
  return items.reduce<T | undefined>((best, t) => (best === undefined || at(t).getTime() > at(best).getTime() ? t : best), undefined);
}
