/**
 * What a sweep (config/sweep.ts) will do, for the plan: its runs with their values, how many run
 * at once, and what the whole grid may cost. The run names come from the builders (k8s/sweep.ts)
 * and are attached by the program (attachSweepRunNames), as the workdir summary is.
 */
import type { SweepInput } from "../config/sweep";
import { sweepPoints, sweepQueueName } from "../config/sweep";
import type { PoolPlan } from "./pools";
import { dollars } from "./cost";

export interface SweepRunPlan {
  /** The point's id: its checkpoint directory `sweep/<point>` and its resource name. */
  readonly point: string;
  readonly env: Readonly<Record<string, string>>;
  /** `<experiment>-<spec hash>`, set by the program once the run is built. */
  readonly name?: string;
}

export interface SweepPlan {
  readonly runs: readonly SweepRunPlan[];
  readonly maxParallel?: number;
  /** The sweep's own LocalQueue (with maxParallel), `<namespace>/<name>`. */
  readonly localQueue?: string;
  /** Runs at once at most: maxParallel, and how many runs the pool holds at its maximum size. */
  readonly concurrent: number;
  /** Runs the pool holds at once at its maximum size. */
  readonly poolHolds: number;
  /** Whether the runs have checkpoint directories (an output volume). */
  readonly checkpoints: boolean;
  /** Rounds of `concurrent` runs the grid needs; each round at most maxRunTimeMinutes. */
  readonly rounds: number;
  /** The bound of one run: budget.worstCaseUSD with a budget, else one attempt of maxRunTimeMinutes. */
  readonly perRunUSD?: number;
  readonly perRunBasis: "budget" | "attempt";
  /** runs x perRunUSD: Kueue bounds each run on its own, so the grid's worst case is their sum. */
  readonly totalUSD?: number;
  /** $/h while `concurrent` runs hold their nodes. */
  readonly peakPerHour?: number;
}

export interface SweepPlanInput {
  readonly sweep: SweepInput;
  readonly nodes: number;
  readonly pool: Pick<PoolPlan, "maxNodes">;
  readonly costPerHour?: number;
  readonly maxRunCost?: number;
  readonly budgetWorstCaseUSD?: number;
  readonly hasOutput: boolean;
  readonly experiment: string;
  readonly namespace: string;
}

export function planSweep(input: SweepPlanInput): SweepPlan {
  const runs = sweepPoints(input.sweep).map((p) => ({ point: p.id, env: p.env }));
  const fits = Math.max(1, Math.floor(input.pool.maxNodes / input.nodes));
  const concurrent = Math.min(runs.length, fits, input.sweep.maxParallel ?? Infinity);
  const perRunBasis = input.budgetWorstCaseUSD !== undefined ? "budget" : "attempt";
  const perRunUSD = input.budgetWorstCaseUSD ?? input.maxRunCost;
  return {
    runs,
    maxParallel: input.sweep.maxParallel,
    localQueue: input.sweep.maxParallel === undefined ? undefined : `${input.namespace}/${sweepQueueName(input.experiment)}`,
    concurrent,
    poolHolds: fits,
    checkpoints: input.hasOutput,
    rounds: Math.ceil(runs.length / concurrent),
    perRunUSD,
    perRunBasis,
    totalUSD: perRunUSD === undefined ? undefined : Math.round(perRunUSD * runs.length * 100) / 100,
    peakPerHour: input.costPerHour === undefined ? undefined : input.costPerHour * concurrent,
  };
}

/** The plan's sweep with each run's name, in point order. */
export function attachSweepRunNames(sweep: SweepPlan, names: Readonly<Record<string, string>>): SweepPlan {
  return { ...sweep, runs: sweep.runs.map((r) => ({ ...r, name: names[r.point] })) };
}

export function renderSweep(sweep: SweepPlan, maxRunTimeMinutes: number): string[] {
  const n = sweep.runs.length;
  const limit = sweep.maxParallel === undefined ? "no maxParallel" : `maxParallel ${sweep.maxParallel}: the runs go to LocalQueue ${sweep.localQueue}, whose ClusterQueue borrows at most ${sweep.maxParallel} runs' GPUs from the cluster's`;
  const lines = [
    `sweep: ${n} run${n === 1 ? "" : "s"}, all queued by Kueue; at most ${sweep.concurrent} at once (${limit}; the pool holds ${sweep.poolHolds} at its maxNodes), so ${sweep.rounds} round${sweep.rounds === 1 ? "" : "s"} of at most ${maxRunTimeMinutes} min`,
  ];
  if (sweep.totalUSD !== undefined && sweep.perRunUSD !== undefined) {
    const basis = sweep.perRunBasis === "budget" ? "each run's budgetUSD worst case" : "one attempt of each run";
    lines.push(`  cost: at most ${dollars(sweep.totalUSD)} for the grid (${n} x ${dollars(sweep.perRunUSD)}, ${basis})${sweep.peakPerHour !== undefined ? `, ${dollars(sweep.peakPerHour)}/h while ${sweep.concurrent} run${sweep.concurrent === 1 ? "" : "s"} hold their nodes` : ""}`);
  } else {
    lines.push("  cost: node cost outside AWS");
  }
  for (const r of sweep.runs) {
    const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(" ");
    lines.push(`  ${(r.name ?? `point ${r.point}`).padEnd(30)} ${env}${sweep.checkpoints ? `  (checkpoints: sweep/${r.point})` : ""}`);
  }
  return lines;
}
