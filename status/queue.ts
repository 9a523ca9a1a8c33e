/**
 * A run's place in Kueue: which Workload is its, and whether it is queued (and where), admitted,
 * evicted or deactivated, and why. Pure. Condition types and reasons are Kueue 0.19's
 * (kubernetes-sigs/kueue apis/kueue/v1beta2/workload_types.go): QuotaReserved, Admitted, Evicted
 * (reasons Preempted, PodsReadyTimeout, AdmissionCheck, ClusterQueueStopped, Deactivated, ...),
 * Finished; a deactivated Workload has `spec.active: false`, and its Evicted reason starts with
 * `Deactivated` or carries it (`EvictedDueToDeactivatedDueToRequeuingLimitExceeded`, from
 * pkg/controller/core/workload_controller_eviction_test.go).
 */
import { EXPERIMENT_LABEL } from "../k8s/labels";
import { Condition, KUEUE_JOB_UID_LABEL, PendingWorkload, QUEUE_NAME_LABEL, Workload, isTrue, labelsOf } from "./objects";

export type QueueState = "admitted" | "queued" | "quota-reserved" | "evicted" | "deactivated" | "finished" | "none";

export interface QueueStatus {
  readonly state: QueueState;
  /** One line for people. */
  readonly text: string;
  readonly workload?: string;
  readonly localQueue?: string;
  readonly clusterQueue?: string;
  /** 1-based place in the LocalQueue while queued, from Kueue's visibility API. */
  readonly position?: number;
  readonly positionInClusterQueue?: number;
  readonly reason?: string;
  readonly message?: string;
}

/** The object a run is: what a Workload's owner reference and name point at. */
export interface RunRef {
  readonly kind: "Job" | "JobSet";
  readonly name: string;
  readonly uid?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly suspended: boolean;
}

/**
 * The Workload Kueue made for `run`: by owner UID, the job-uid label, owner kind+name, or name.
 * The UID comes first across all Workloads: a Job replaced under the same name leaves its old
 * Workload (same owner kind+name, old UID) until garbage collection removes it.
 */
export function workloadOf(run: RunRef, workloads: readonly Workload[]): Workload | undefined {
  const ownedByUid = (w: Workload) => run.uid !== undefined && (w.metadata?.ownerReferences ?? []).some((o) => o.uid === run.uid);
  const ownedByName = (w: Workload) => (w.metadata?.ownerReferences ?? []).some((o) => o.kind === run.kind && o.name === run.name);
  // Owned by an earlier object of the same name (another UID): never this run's.
  const earlier = (w: Workload) => run.uid !== undefined && (w.metadata?.ownerReferences ?? []).some((o) => o.kind === run.kind && o.name === run.name && o.uid && o.uid !== run.uid);
  const byUid = (w: Workload) => run.uid !== undefined && labelsOf(w)[KUEUE_JOB_UID_LABEL] === run.uid;
  // Kueue names a Job's Workload `<kind>-<name>-<hash>` (pkg/controller/jobframework/workload_names.go).
  const byName = (w: Workload) => (w.metadata?.name ?? "").startsWith(`${run.kind.toLowerCase()}-${run.name}-`);
  const labelled = (w: Workload) => Object.entries(run.labels).some(([k, v]) => k === EXPERIMENT_LABEL && labelsOf(w)[k] === v);
  const rest = workloads.filter((w) => !earlier(w));
  return workloads.find(ownedByUid) ?? rest.find(byUid) ?? rest.find(ownedByName) ?? rest.find(byName) ?? rest.find(labelled);
}

export function queueStatus(run: RunRef, workload: Workload | undefined, pending: readonly PendingWorkload[] | undefined): QueueStatus {
  const localQueue = workload?.spec?.queueName ?? run.labels[QUEUE_NAME_LABEL];
  if (!workload) {
    if (run.suspended) {
      return { state: "queued", localQueue, text: `queued: the ${run.kind} is suspended${localQueue ? ` for LocalQueue ${localQueue}` : ""} and Kueue has made no Workload for it yet` };
    }
    return { state: "none", localQueue, text: localQueue ? `no Kueue Workload for ${run.kind} ${run.name} (LocalQueue ${localQueue})` : "not queued through Kueue" };
  }
  const name = workload.metadata?.name;
  const conditions = workload.status?.conditions ?? [];
  const clusterQueue = workload.status?.admission?.clusterQueue;
  const base = { workload: name, localQueue, clusterQueue };
  const finished = isTrue(conditions, "Finished");
  const evicted = isTrue(conditions, "Evicted");
  const deactivated = workload.spec?.active === false || (evicted !== undefined && /Deactivated/.test(evicted.reason ?? ""));
  if (finished) return { ...base, state: "finished", reason: finished.reason, message: finished.message, text: `finished${why(finished)}` };
  if (deactivated) {
    const c = evicted ?? conditions.find((x) => x.type === "Evicted");
    return { ...base, state: "deactivated", reason: c?.reason, message: c?.message, text: `deactivated by Kueue${why(c)}; it will not be admitted again until reactivated` };
  }
  const admitted = isTrue(conditions, "Admitted");
  if (admitted) return { ...base, state: "admitted", text: `admitted${clusterQueue ? ` to ClusterQueue ${clusterQueue}` : ""}${localQueue ? ` (LocalQueue ${localQueue})` : ""}` };
  if (evicted) {
    return { ...base, state: "evicted", reason: evicted.reason, message: evicted.message, text: `evicted by Kueue${why(evicted)}; queued to be admitted again` };
  }
  const reserved = isTrue(conditions, "QuotaReserved");
  if (reserved) return { ...base, state: "quota-reserved", text: `quota reserved${clusterQueue ? ` in ClusterQueue ${clusterQueue}` : ""}, waiting for admission checks` };
  const waiting = conditions.find((c) => c.type === "QuotaReserved" && c.status === "False");
  const entry = (pending ?? []).find((p) => p.metadata?.name === name);
  const position = entry?.positionInLocalQueue !== undefined ? entry.positionInLocalQueue + 1 : undefined;
  const positionInClusterQueue = entry?.positionInClusterQueue !== undefined ? entry.positionInClusterQueue + 1 : undefined;
  const where = position !== undefined ? `: position ${position} in LocalQueue ${localQueue ?? entry?.localQueueName ?? "?"}${positionInClusterQueue !== undefined ? ` (${positionInClusterQueue} in its ClusterQueue)` : ""}` : localQueue ? ` in LocalQueue ${localQueue}` : "";
  return { ...base, state: "queued", position, positionInClusterQueue, reason: waiting?.reason, message: waiting?.message, text: `queued${where}${why(waiting)}` };
}

function why(c: Condition | undefined): string {
  if (!c) return "";
  const parts = [c.reason, c.message].filter((s): s is string => typeof s === "string" && s.trim() !== "");
  return parts.length > 0 ? ` (${parts.join(": ").split("\n")[0]})` : "";
}
