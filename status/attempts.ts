/**
 * A run's attempts, which the pods alone cannot show: JobSet group restarts replace every pod, and
 * a Kueue requeue deletes them. From the JobSet, `status.restarts` (every group restart) and
 * `status.restartsCountTowardsMax` (training failures, against `failurePolicy.maxRestarts`); from
 * the Workload, `status.requeueState.count` (requeues after evictions) and the admitted time of
 * earlier admissions (`status.accumulatedPastExecutionTimeSeconds`) plus the current one (since its
 * Admitted condition). The run's nodes are up only while it is admitted, so that time at the
 * current nodes' $/h is the cost over all attempts; the time before the current attempt's pods
 * started is what earlier attempts and restarts took. Pure.
 */
import type { JobSet, Workload } from "./objects";
import { isTrue, toDate } from "./objects";

export interface AttemptsStatus {
  /** JobSet group restarts, all kinds. */
  readonly restarts: number;
  /** Of those, training failures (counted against maxRestarts). */
  readonly countedRestarts: number;
  readonly maxRestarts?: number;
  /** Kueue requeues after evictions. */
  readonly requeues: number;
  /** Seconds admitted over all attempts, when the Workload says. */
  readonly admittedSeconds?: number;
  /** Of those, before the current attempt's pods started. */
  readonly beforeCurrentSeconds?: number;
  /** Dollars over all attempts at the current nodes' $/h. */
  readonly dollars?: number;
}

export function attemptsOf(input: {
  readonly jobSet?: JobSet;
  readonly workload?: Workload;
  /** When the current attempt's first pod started. */
  readonly currentStart?: Date;
  readonly perHour?: number;
  readonly now: Date;
}): AttemptsStatus {
  const status = input.jobSet?.status;
  const w = input.workload?.status;
  const admitted = isTrue(w?.conditions, "Admitted");
  const since = toDate(admitted?.lastTransitionTime);
  const past = w?.accumulatedPastExecutionTimeSeconds ?? 0;
  const current = since ? Math.max(0, (input.now.getTime() - since.getTime()) / 1000) : 0;
  const admittedSeconds = w && (since || past > 0) ? Math.round(past + current) : undefined;
  const beforeCurrentSeconds =
    admittedSeconds !== undefined && since && input.currentStart ? Math.round(past + Math.max(0, (input.currentStart.getTime() - since.getTime()) / 1000)) : undefined;
  return {
    restarts: status?.restarts ?? 0,
    countedRestarts: status?.restartsCountTowardsMax ?? 0,
    maxRestarts: input.jobSet?.spec?.failurePolicy?.maxRestarts,
    requeues: w?.requeueState?.count ?? 0,
    admittedSeconds,
    beforeCurrentSeconds,
    dollars: admittedSeconds !== undefined && input.perHour ? (input.perHour * admittedSeconds) / 3600 : undefined,
  };
}

/** One line for `npm run status`. */
export function attemptsLine(a: AttemptsStatus): string {
  const parts = [`${a.restarts} group restart${a.restarts === 1 ? "" : "s"} (${a.countedRestarts} training failure${a.countedRestarts === 1 ? "" : "s"}${a.maxRestarts !== undefined ? ` of maxRestarts ${a.maxRestarts}` : ""}, ${a.restarts - a.countedRestarts} disruption${a.restarts - a.countedRestarts === 1 ? "" : "s"})`, `${a.requeues} Kueue requeue${a.requeues === 1 ? "" : "s"}`];
  if (a.admittedSeconds !== undefined) {
    const lost = a.beforeCurrentSeconds !== undefined ? `, ${minutes(a.beforeCurrentSeconds)} of it before the current attempt` : "";
    parts.push(`admitted ${minutes(a.admittedSeconds)} over all attempts${lost}`);
  }
  if (a.dollars !== undefined) parts.push(`$${a.dollars.toFixed(2)} over all attempts`);
  return parts.join("; ");
}

function minutes(seconds: number): string {
  return `${(seconds / 60).toFixed(1)} min`;
}
