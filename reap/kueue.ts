/**
 * Kueue Workloads and JobSets as the API serves them (JSON), mapped to the reaper's
 * QueuedWorkload and GpuJobSet. Pure.
 *
 * Kueue v0.19.2 (kubernetes-sigs/kueue apis/kueue/v1beta2/workload_types.go):
 * - conditions QuotaReserved, Admitted, PodsReady, Evicted, Requeued, Finished; `spec.active: false`
 *   deactivates a Workload (Evicted reason Deactivated), e.g. after waitForPodsReady's
 *   requeuingLimit (reason RequeuingLimitExceeded);
 * - QuotaReserved=False reasons the scheduler sets: WaitingForQuota, WaitingForPreemptedWorkloads,
 *   WaitingForPodsReady, PendingEvaluation (will be admitted once quota frees), and ExceedsMaxQuota
 *   (more than the ClusterQueue or cohort can ever give), NoMatchingFlavor (no ResourceFlavor fits
 *   its node selector or tolerations), Misconfigured (no such LocalQueue / ClusterQueue), Suspended
 *   (a stopped queue), which need a person. These reasons are written only with the feature gate
 *   UnadmittedWorkloadsObservability, which k8s/kueue-release.ts turns on; without it Kueue writes
 *   Pending (still waiting) or Inadmissible (no such queue, or a stopped one);
 * - after an eviction for PodsReadyTimeout or AdmissionCheck, Requeued=False with that reason and
 *   `status.requeueState.requeueAt` mark the backoff; Requeued=True BackoffFinished ends it
 *   (pkg/controller/core/workload_controller.go). Requeued=False Inadmissible marks a Workload that
 *   failed validation. Kueue measures queued time from the Requeued condition, else creation
 *   (pkg/workload/workload.go QueuedWaitTime), and so does the report.
 */
import type { V1PodSpec } from "@kubernetes/client-node";
import { QUEUE_NAME_LABEL } from "../k8s/local-queue";
import { gpuRequest, toDate } from "./gpu-request";
import type { GpuJobSet, QueuedWorkload, WaitCause } from "./types";

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string | Date;
}

interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly creationTimestamp?: string | Date;
  readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string; readonly controller?: boolean }[];
}

export interface WorkloadObject {
  readonly metadata?: Meta;
  readonly spec?: { readonly active?: boolean; readonly queueName?: string; readonly podSets?: readonly { readonly template?: { readonly spec?: V1PodSpec } }[] };
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly requeueState?: { readonly count?: number; readonly requeueAt?: string | Date };
  };
}

export interface JobSetObject {
  readonly metadata?: Meta;
  readonly spec?: { readonly suspend?: boolean; readonly replicatedJobs?: readonly { readonly template?: { readonly spec?: { readonly template?: { readonly spec?: V1PodSpec } } } }[] };
  readonly status?: { readonly conditions?: readonly Condition[]; readonly terminalState?: string };
}

/** QuotaReserved=False reasons after which Kueue admits nothing until a person changes something. */
const NEEDS_A_PERSON: Readonly<Record<string, WaitCause>> = {
  ExceedsMaxQuota: "over-max-quota",
  NoMatchingFlavor: "no-flavor",
  Misconfigured: "misconfigured",
  Suspended: "queue-stopped",
  // The reason without the gate for a missing or inactive LocalQueue / ClusterQueue
  // (workload_controller.go); nothing is admitted until a person fixes the queue.
  Inadmissible: "misconfigured",
};
/** QuotaReserved=False reasons of a Workload Kueue will admit once quota frees. */
const WAITING_FOR_QUOTA = new Set(["WaitingForQuota", "WaitingForPreemptedWorkloads", "WaitingForPodsReady", "PendingEvaluation"]);
/** Eviction reasons Kueue requeues after a backoff (workload_controller.go). */
const BACKOFF_REASONS = new Set(["PodsReadyTimeout", "AdmissionCheck"]);

/** The Workload of GPU work, or undefined for one that asks for no GPU. */
export function workloadFrom(w: WorkloadObject): QueuedWorkload | undefined {
  const podSets = w.spec?.podSets;
  // A Workload without pod sets cannot be told apart: count it (fail safe).
  if (podSets && podSets.length > 0 && podSets.every((p) => gpuRequest(p.template?.spec) <= 0)) return undefined;
  const conditions = w.status?.conditions ?? [];
  const find = (type: string) => conditions.find((c) => c.type === type);
  const isTrue = (type: string) => (find(type)?.status === "True" ? find(type) : undefined);
  const owner = (w.metadata?.ownerReferences ?? []).find((o) => o.controller) ?? w.metadata?.ownerReferences?.[0];
  const createdAt = toDate(w.metadata?.creationTimestamp);
  const requeued = find("Requeued");
  const evicted = isTrue("Evicted");
  const base = {
    namespace: w.metadata?.namespace ?? "default",
    name: w.metadata?.name ?? "(unnamed)",
    owner: owner?.kind && owner.name ? `${owner.kind} ${owner.name}` : undefined,
    createdAt,
    waitingSince: toDate(requeued?.lastTransitionTime) ?? createdAt,
    evictedAt: toDate(evicted?.lastTransitionTime),
    ...(w.status?.requeueState?.count !== undefined ? { requeueCount: w.status.requeueState.count } : {}),
  };

  const finished = isTrue("Finished");
  if (finished) return { ...base, state: "finished", finishedAt: toDate(finished.lastTransitionTime), detail: detailOf(finished) };
  if (w.spec?.active === false) {
    return { ...base, state: "inadmissible", cause: "deactivated", detail: detailOf(evicted ?? find("DeactivationTarget") ?? requeued) ?? "spec.active is false" };
  }
  const admitted = isTrue("Admitted");
  if (admitted) {
    const ready = find("PodsReady");
    return ready?.status === "False" ? { ...base, state: "admitted", cause: "capacity", detail: detailOf(ready) } : { ...base, state: "admitted" };
  }
  if (requeued?.status === "False" && requeued.reason === "Inadmissible") return { ...base, state: "inadmissible", cause: "misconfigured", detail: detailOf(requeued) };
  if (requeued?.status === "False" && BACKOFF_REASONS.has(requeued.reason ?? "")) {
    return { ...base, state: "waiting", cause: "backoff", detail: detailOf(requeued), requeueAt: toDate(w.status?.requeueState?.requeueAt) };
  }
  if (isTrue("QuotaReserved")) return { ...base, state: "waiting", cause: "admission-checks", detail: detailOf(find("Admitted")) };
  const reservation = find("QuotaReserved");
  const reason = reservation?.reason ?? "";
  if (NEEDS_A_PERSON[reason]) return { ...base, state: "inadmissible", cause: NEEDS_A_PERSON[reason], detail: detailOf(reservation) };
  const cause: WaitCause = WAITING_FOR_QUOTA.has(reason) || /quota/i.test(reservation?.message ?? "") ? "quota" : "pending";
  return { ...base, state: "waiting", cause, detail: detailOf(reservation) };
}

export function jobSetFrom(js: JobSetObject): GpuJobSet | undefined {
  const replicated = js.spec?.replicatedJobs ?? [];
  if (!replicated.some((r) => gpuRequest(r.template?.spec?.template?.spec) > 0)) return undefined;
  const conditions = js.status?.conditions ?? [];
  const done = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  const base = {
    namespace: js.metadata?.namespace ?? "default",
    name: js.metadata?.name ?? "(unnamed)",
    queueName: js.metadata?.labels?.[QUEUE_NAME_LABEL],
    createdAt: toDate(js.metadata?.creationTimestamp),
  };
  // Conditions Completed / Failed (kubernetes-sigs/jobset v0.12.0 api/jobset/v1alpha2/jobset_types.go).
  const completed = done("Completed");
  if (completed) return { ...base, outcome: "succeeded", finishedAt: toDate(completed.lastTransitionTime) };
  const failed = done("Failed");
  if (failed) return { ...base, outcome: "failed", finishedAt: toDate(failed.lastTransitionTime) };
  return { ...base, outcome: js.spec?.suspend ? "suspended" : "running" };
}

function detailOf(c: Condition | undefined): string | undefined {
  if (!c) return undefined;
  const parts = [c.reason, c.message].filter((s): s is string => typeof s === "string" && s.trim() !== "");
  return parts.length > 0 ? parts.join(": ").split("\n")[0] : undefined;
}
