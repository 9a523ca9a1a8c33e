/**
 * `experiment.budgetUSD`: a dollar bound on the experiment's nodes over all its attempts.
 *
 * The bound rests on one limit Kueue enforces on admitted time, not on counting attempts:
 * `kueue.x-k8s.io/max-exec-time-seconds` on the Job or JobSet. Kueue adds up the time the run is
 * admitted, across requeues (status.accumulatedPastExecutionTimeSeconds) and through JobSet
 * restarts (the run stays admitted), and deactivates it once the sum passes the limit (kueue
 * v0.19.2 pkg/controller/core/workload_controller.go reconcileMaxExecutionTime). The run's nodes
 * are scaled up only for an admitted run, so every node-second of an attempt (scale-up, image pull,
 * training, group restarts) is admitted time. Outside it the nodes can still be billed for:
 *  - the pods' shutdown after each eviction and after the end (at most the grace period each):
 *    one per requeue Kueue may make (waitForPodsReady) plus the final stop;
 *  - the nodes left idle after each eviction until re-admission or scale-down, and after the last
 *    stop until scale-down (plan/queueing.ts stuckStartIdleMinutes);
 *  - under a second per requeue: Kueue adds each evicted span as `int32(now.Sub(admitted).Seconds())`,
 *    dropping its fraction (kueue v0.19.2 pkg/workload/admissionchecks.go). The running span is
 *    not truncated: reconcileMaxExecutionTime compares the exact elapsed time.
 * So the worst case is costPerHour x (limit + stops x grace + idle + requeues), and the plan picks the largest
 * limit whose worst case, rounded up to the cent, stays within the budget. Pure.
 */
import type { Problem } from "../config/errors";
import { costFor, dollars } from "./cost";
import { PodsReadyPlan, TERMINATION_GRACE_SECONDS, stuckStartIdleMinutes } from "./queueing";

/** The label Kueue reads the limit from (kueue v0.19.2 pkg/controller/constants/constants.go MaxExecTimeSecondsLabel). */
export const MAX_EXEC_TIME_LABEL = "kueue.x-k8s.io/max-exec-time-seconds";
/** The largest value Kueue reads from MAX_EXEC_TIME_LABEL (an int32). */
export const KUEUE_MAX_EXEC_SECONDS = 2 ** 31 - 1;

export interface BudgetPlan {
  readonly budgetUSD: number;
  /** The run's admitted time over all attempts, in seconds: the Kueue label's value. */
  readonly maxExecSeconds: number;
  /** The most the experiment's nodes can cost: never above budgetUSD. */
  readonly worstCaseUSD: number;
  /** Pod shutdowns counted outside admitted time, and their grace period each. */
  readonly stops: number;
  readonly graceSeconds: number;
  /** Node minutes outside admitted time: idle after evictions and after the end. */
  readonly idleMinutes: number;
  /** Seconds Kueue's whole-second accounting can drop: one per requeue. */
  readonly uncountedSeconds: number;
  /** Attempts of the full maxRunTimeMinutes the limit holds. */
  readonly fullAttempts: number;
}

export interface BudgetInput {
  readonly budgetUSD: number;
  /** $/h of the experiment's nodes; undefined where the plan has no price. */
  readonly costPerHour?: number;
  readonly maxRunTimeMinutes: number;
  /** Our Kueue's waitForPodsReady; undefined where the cluster's own Kueue decides. */
  readonly podsReady?: PodsReadyPlan;
  readonly scaleDownMinutes: number;
}

function worstCase(costPerHour: number, seconds: number): number {
  return costFor(costPerHour, seconds / 60);
}

export function planBudget(input: BudgetInput): { budget?: BudgetPlan; problem?: Problem } {
  const path = "experiment.budgetUSD";
  if (input.costPerHour === undefined) {
    return { problem: { path, message: `needs a price for the experiment's nodes, and its pool has none (machines outside AWS); remove budgetUSD or use an EC2 pool` } };
  }
  if (input.podsReady === undefined) {
    return { problem: { path, message: `needs the requeue limit of the Kueue this stack installs; with the cluster's own Kueue (queueing.install false) the number of requeues, and so the bound, is unknown` } };
  }
  const rate = input.costPerHour;
  const stops = input.podsReady.requeueLimit + 1;
  const graceSeconds = TERMINATION_GRACE_SECONDS;
  const idleMinutes = stuckStartIdleMinutes(input.podsReady, input.scaleDownMinutes);
  const uncountedSeconds = input.podsReady.requeueLimit;
  const outside = stops * graceSeconds + idleMinutes * 60 + uncountedSeconds;
  const attempt = input.maxRunTimeMinutes * 60;
  const minimum = worstCase(rate, attempt + outside);
  if (input.budgetUSD < minimum) {
    return {
      problem: {
        path,
        message: `${dollars(input.budgetUSD)} is below what one attempt needs: at least ${dollars(minimum)} (maxRunTimeMinutes ${input.maxRunTimeMinutes} at ${dollars(rate)}/h, plus ${stops} pod shutdowns of ${graceSeconds} s, ${idleMinutes} idle node minutes and ${uncountedSeconds} s Kueue's accounting drops); raise budgetUSD or lower maxRunTimeMinutes`,
      },
    };
  }
  // The largest whole number of seconds whose worst case, rounded up to the cent, fits.
  let maxExecSeconds = Math.floor((input.budgetUSD * 3600) / rate - outside);
  // Floating point can leave the first guess a second off either way.
  while (worstCase(rate, maxExecSeconds + outside) > input.budgetUSD) maxExecSeconds--;
  while (worstCase(rate, maxExecSeconds + 1 + outside) <= input.budgetUSD) maxExecSeconds++;
  // Kueue parses the label as an int32 and sets no limit at all when it does not fit
  // (kueue v0.19.2 pkg/controller/jobframework/utils.go, MaximumExecutionTimeSecondsForObject).
  maxExecSeconds = Math.min(maxExecSeconds, KUEUE_MAX_EXEC_SECONDS);
  return {
    budget: {
      budgetUSD: input.budgetUSD,
      maxExecSeconds,
      worstCaseUSD: worstCase(rate, maxExecSeconds + outside),
      stops,
      graceSeconds,
      idleMinutes,
      uncountedSeconds,
      fullAttempts: Math.floor(maxExecSeconds / attempt),
    },
  };
}

/** The plan's line: the bound next to the budget, and what it is made of. */
export function renderBudget(b: BudgetPlan, maxRunTimeMinutes: number): string {
  return (
    `budget ${dollars(b.budgetUSD)}: worst case ${dollars(b.worstCaseUSD)} over all attempts — Kueue stops the run after ${b.maxExecSeconds} s admitted in all ` +
    `(${MAX_EXEC_TIME_LABEL}; ${b.fullAttempts} full attempt${b.fullAttempts === 1 ? "" : "s"} of ${maxRunTimeMinutes} min), plus ${b.stops} pod shutdowns of at most ${b.graceSeconds} s, ${b.idleMinutes} idle node minutes and ${b.uncountedSeconds} s Kueue's whole-second accounting drops; ` +
    `per run: an edit that makes a new run starts a new budget`
  );
}
