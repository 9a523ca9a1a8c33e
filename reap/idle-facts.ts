/**
 * What the report says of a cluster group's idleness: since when and by which signal, the limit and
 * whose it is, the cost, the work not counted, and what would be left billing. Pure.
 */
import { LastJob, WorkEnd, isBusy, isRunning } from "./activity";
import type { Observed, StackFacts } from "./decide";
import { describeStuck } from "./describe-work";
import { Leftover, retainedStorage } from "./leftovers";
import type { IdleSettings } from "./settings";

export interface IdleFacts {
  /** Minutes since GPU work last ended or the group was last updated; undefined while busy or unknown. */
  readonly idleMinutes?: number;
  readonly limitMinutes?: number;
  /** The stack whose clusterIdleMinutes is the limit. */
  readonly limitFrom?: string;
  readonly lastJob?: LastJob;
  /** GPU work now: held or running, or only waiting in Kueue; undefined when none or unknown. */
  readonly work?: "now" | "queued";
  /** What the idle time counts from, and which signal said so. */
  readonly idleSince?: WorkEnd;
  /** GPU pods outside Kueue Pending past the bound, not counted as busy. */
  readonly notCounted?: string;
  /** What would still bill after destroying the group: made outside the stacks, or retained by them. */
  readonly leftovers: readonly Leftover[];
  readonly basePerHour?: number;
  readonly gpuNodes: number;
  readonly gpuNodesPerHour: number;
  readonly unpricedNodes: readonly string[];
}

/** The stack's idle settings; from its file alone where they were not gathered. */
export function settingsOf(s: StackFacts): Observed<IdleSettings> {
  if (s.settings) return s.settings;
  return s.spec.ok ? { ok: true, value: { clusterIdleMinutes: s.spec.value.idle.clusterIdleMinutes, protected: s.spec.value.idle.protected, source: "stack file" } } : s.spec;
}

export function idleFacts(cluster: StackFacts, dependents: readonly StackFacts[], now: Date): IdleFacts {
  const activity = cluster.activity?.ok ? cluster.activity.value : undefined;
  const limits = [cluster, ...dependents]
    .map((s) => ({ stack: s.stack, settings: settingsOf(s) }))
    .filter((s): s is { stack: string; settings: { ok: true; value: IdleSettings } } => s.settings.ok)
    .map((s) => ({ stack: s.stack, minutes: s.settings.value.clusterIdleMinutes }))
    .sort((a, b) => b.minutes - a.minutes || (a.stack === cluster.stack ? -1 : 0));
  const marks: WorkEnd[] = [
    ...[cluster, ...dependents].filter((s) => s.deployed.lastUpdate).map((s) => ({ at: s.deployed.lastUpdate!, signal: `last update of stack ${s.stack}` })),
    ...(activity?.lastGpuWork ? [activity.lastGpuWork] : []),
  ];
  const since = marks.reduce<WorkEnd | undefined>((best, m) => (best === undefined || m.at.getTime() > best.at.getTime() ? m : best), undefined);
  const busy = activity !== undefined && isBusy(activity);
  const counts = since !== undefined && !busy && (activity !== undefined || cluster.clusterGone !== undefined);
  return {
    idleMinutes: counts ? Math.max(0, Math.floor((now.getTime() - since!.at.getTime()) / 60_000)) : undefined,
    idleSince: counts ? since : undefined,
    ...(activity && busy ? { work: isRunning(activity) || activity.queued.length === 0 ? ("now" as const) : ("queued" as const) } : {}),
    leftovers: [...(activity?.leftovers ?? []), ...[cluster, ...dependents].flatMap((s) => (s.resources?.ok ? retainedStorage(s.resources.value) : []))],
    notCounted: activity && activity.stuckPending.length > 0 ? `${describeStuck(activity, now)}: over the ${activity.pendingBoundMinutes}-min bound for a Pending GPU pod outside Kueue` : undefined,
    limitMinutes: limits[0]?.minutes,
    limitFrom: limits[0]?.stack,
    lastJob: activity?.lastJob,
    basePerHour: cluster.basePerHour,
    gpuNodes: activity?.gpuNodes.length ?? 0,
    gpuNodesPerHour: activity?.gpuNodesPerHour ?? 0,
    unpricedNodes: activity?.unpricedNodes ?? [],
  };
}
