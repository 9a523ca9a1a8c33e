/** The words for what keeps a cluster busy, what waits in Kueue and why, and what is stuck. Pure. */
import type { Activity } from "./activity";
import { formatMinutes } from "./format";
import type { GpuPod, QueuedWorkload, WaitCause } from "./types";

const CAUSE: Readonly<Record<WaitCause, string>> = {
  quota: "waiting for quota",
  capacity: "admitted, waiting for nodes (capacity)",
  backoff: "in requeue backoff after an eviction",
  "admission-checks": "quota reserved, waiting for admission checks",
  "queue-stopped": "its queue is stopped",
  deactivated: "deactivated",
  "no-flavor": "no ResourceFlavor fits it",
  "over-max-quota": "asks for more than its ClusterQueue can ever give",
  misconfigured: "its queue is missing or it is invalid",
  pending: "pending in Kueue",
};

/** One line on what keeps a cluster busy, e.g. "1 GPU pod running (default/train-0 on node-a)". */
export function describeBusy(a: Activity, now: Date): string {
  const parts: string[] = [];
  const list = <T>(items: readonly T[], noun: string, what: string, name: (t: T) => string) => {
    if (items.length === 0) return;
    const names = items.slice(0, 3).map(name);
    parts.push(`${items.length} ${noun}${items.length === 1 ? "" : "s"} ${what} (${names.join(", ")}${items.length > 3 ? ", ..." : ""})`);
  };
  const pod = (p: GpuPod) => `${p.namespace}/${p.name}${p.nodeName ? ` on ${p.nodeName}` : ""}`;
  list(a.running, "GPU pod", "running", pod);
  list(a.pending, "GPU pod", "pending", pod);
  list(a.unknown, "GPU pod", "in phase Unknown", pod);
  list(a.unfinishedJobs, "GPU Job", "not finished", (j) => `${j.namespace}/${j.name}`);
  list(a.runningJobSets, "GPU JobSet", "not finished", (j) => `${j.namespace}/${j.name}`);
  list(a.queued, "GPU workload", "queued in Kueue", (w) => describeWorkload(w, now));
  return parts.join("; ");
}

/** "default/job-train-x (Job train): waiting for quota (WaitingForQuota: ...), 45 min". */
export function describeWorkload(w: QueuedWorkload, now: Date): string {
  const since = w.waitingSince ?? w.createdAt;
  const waited = since ? `, waiting ${formatMinutes(Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000)))}` : "";
  const cause = w.cause ? CAUSE[w.cause] : w.state;
  const backoff = w.cause === "backoff" && w.requeueAt ? ` until ${w.requeueAt.toISOString().slice(0, 16).replace("T", " ")} UTC${w.requeueCount !== undefined ? ` (requeue ${w.requeueCount})` : ""}` : "";
  return `${w.namespace}/${w.name}${w.owner ? ` (${w.owner})` : ""}: ${cause}${backoff}${w.detail ? ` [${w.detail}]` : ""}${waited}`;
}

/** Work Kueue will not admit without a person: named, with why and how long it has waited. */
export function describeInadmissible(a: Activity, now: Date): string {
  return a.inadmissible.map((w) => describeWorkload(w, now)).join("; ");
}

/** GPU pods outside Kueue Pending past the bound, which no longer count as busy. */
export function describeStuck(a: Activity, now: Date): string {
  return a.stuckPending
    .map((p) => `${p.namespace}/${p.name} Pending ${p.createdAt ? formatMinutes(Math.floor((now.getTime() - p.createdAt.getTime()) / 60_000)) : "?"}${p.waitingReason ? ` (${p.waitingReason})` : ""}`)
    .join(", ");
}
