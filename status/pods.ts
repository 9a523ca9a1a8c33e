/**
 * A run's pods by node rank, each with where it runs and how it is doing. Pure.
 *
 * A pod's node rank is its completion index (label or annotation
 * `batch.kubernetes.io/job-completion-index`, https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode);
 * a pod of a non-indexed single-node Job is rank 0; a JobSet with one Job per node numbers them
 * with `jobset.sigs.k8s.io/job-index`. A replaced pod keeps its index, so a rank may have had
 * several pods: the current one is shown, the earlier ones count as restarts.
 */
import { BETA_INSTANCE_TYPE_LABEL, COMPLETION_INDEX, COMPUTE_TYPE_LABEL, INSTANCE_TYPE_LABEL, JOBSET_JOB_INDEX_LABEL, Node, Pod, created, labelsOf, toDate } from "./objects";

export const TRAINER_CONTAINER = "trainer";

export interface PodStatus {
  readonly rank: number;
  readonly name: string;
  readonly node?: string;
  /** `node.kubernetes.io/instance-type`, or "hybrid" for an EKS Hybrid Node without one. */
  readonly instanceType?: string;
  readonly phase: string;
  /** Why it is waiting or how it ended: a waiting reason, Unschedulable, OOMKilled, exit code. */
  readonly detail?: string;
  /** Container restarts plus the earlier pods of the same rank. */
  readonly restarts: number;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
}

export function rankOf(pod: Pod): number {
  const meta = pod.metadata ?? {};
  // A JobSet of one Job per node: the Job's index is the rank (each Job has one pod).
  const jobIndex = Number(meta.labels?.[JOBSET_JOB_INDEX_LABEL]);
  if (Number.isInteger(jobIndex) && jobIndex > 0) return jobIndex;
  const index = Number(meta.labels?.[COMPLETION_INDEX] ?? meta.annotations?.[COMPLETION_INDEX]);
  return Number.isInteger(index) && index >= 0 ? index : 0;
}

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** The pod that stands for each rank: a live one before a finished one, then the newest. */
export function currentPods(pods: readonly Pod[]): Map<number, { readonly pod: Pod; readonly attempts: number }> {
  const byRank = new Map<number, Pod[]>();
  for (const p of pods) byRank.set(rankOf(p), [...(byRank.get(rankOf(p)) ?? []), p]);
  const result = new Map<number, { pod: Pod; attempts: number }>();
  for (const rank of [...byRank.keys()].sort((a, b) => a - b)) {
    const all = byRank.get(rank)!;
    const pick = [...all].sort((a, b) => Number(isTerminal(a)) - Number(isTerminal(b)) || created(b) - created(a))[0];
    result.set(rank, { pod: pick, attempts: all.length });
  }
  return result;
}

export function instanceTypeOf(node: Node | undefined): string | undefined {
  const labels = labelsOf(node);
  return labels[INSTANCE_TYPE_LABEL] ?? labels[BETA_INSTANCE_TYPE_LABEL] ?? (labels[COMPUTE_TYPE_LABEL] === "hybrid" ? "hybrid" : undefined);
}

export function podStatuses(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>): PodStatus[] {
  return [...currentPods(pods).entries()].map(([rank, { pod, attempts }]) => {
    const node = pod.spec?.nodeName;
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    return {
      rank,
      name: pod.metadata?.name ?? "(unnamed)",
      node,
      instanceType: node ? instanceTypeOf(nodes.get(node)) : undefined,
      phase: pod.status?.phase ?? "Pending",
      detail: podDetail(pod),
      restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0) + attempts - 1,
      startedAt: podStart(pod),
      finishedAt: isTerminal(pod) ? podEnd(pod) : undefined,
    };
  });
}

/** The trainer's terminated state (or the first container's), current or last. */
export function terminated(pod: Pod): { reason?: string; exitCode?: number; finishedAt?: Date; container: string } | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const ordered = [...statuses.filter((s) => s.name === TRAINER_CONTAINER), ...statuses.filter((s) => s.name !== TRAINER_CONTAINER)];
  for (const s of ordered) {
    const t = s.state?.terminated ?? s.lastState?.terminated;
    if (t) return { reason: t.reason, exitCode: t.exitCode, finishedAt: toDate(t.finishedAt), container: s.name };
  }
  return undefined;
}

/** Why a pod waits or how it ended, in a few words. */
export function podDetail(pod: Pod): string | undefined {
  const phase = pod.status?.phase ?? "Pending";
  if (pod.status?.reason) return pod.status.reason;
  if (phase === "Pending") {
    const unscheduled = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled" && c.status === "False");
    if (unscheduled) return [unscheduled.reason, unscheduled.message].filter(Boolean).join(": ").split("\n")[0].slice(0, 160);
    const waiting = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.state?.waiting?.reason);
    return waiting?.state?.waiting?.reason;
  }
  if (phase === "Running") {
    const waiting = (pod.status?.containerStatuses ?? []).find((s) => s.state?.waiting?.reason);
    return waiting?.state?.waiting?.reason;
  }
  const t = terminated(pod);
  if (!t) return undefined;
  return t.reason && t.reason !== "Completed" && t.reason !== "Error" ? `${t.reason}, exit code ${t.exitCode ?? "?"}` : `exit code ${t.exitCode ?? "?"}`;
}

/** When the pod started on its node: its startTime, else its first container's start, else its creation. */
export function podStart(pod: Pod): Date | undefined {
  if (!pod.spec?.nodeName) return undefined;
  const containers = (pod.status?.containerStatuses ?? []).map((s) => toDate(s.state?.running?.startedAt ?? s.state?.terminated?.startedAt)).filter((d): d is Date => d !== undefined);
  return toDate(pod.status?.startTime) ?? (containers.length > 0 ? new Date(Math.min(...containers.map((d) => d.getTime()))) : undefined) ?? toDate(pod.metadata?.creationTimestamp);
}

/** The last container finish, else the last condition change (an evicted pod has no container state). */
export function podEnd(pod: Pod): Date | undefined {
  const finished = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .map((s) => toDate(s.state?.terminated?.finishedAt))
    .filter((d): d is Date => d !== undefined);
  const candidates = finished.length > 0 ? finished : (pod.status?.conditions ?? []).map((c) => toDate(c.lastTransitionTime)).filter((d): d is Date => d !== undefined);
  return candidates.length > 0 ? new Date(Math.max(...candidates.map((d) => d.getTime()))) : undefined;
}
