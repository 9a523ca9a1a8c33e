/**
 * `experiment.sweep`: a grid of environment values. Each combination (a "point") is a run of the
 * experiment of its own: its environment is `experiment.env` plus the point's values, its
 * checkpoint directory is the point's (k8s/experiment.ts checkpointDir), and its name is the
 * usual `<experiment>-<spec hash>` (config/run-name.ts), which differs per point because the
 * point's values and directory are in the spec. Kueue queues them all; `maxParallel` bounds how
 * many are admitted at once (k8s/sweep-queue.ts).
 */
import { z } from "zod";
import { int } from "./fields";
import { Problem, show } from "./errors";
import { specHash } from "./run-name";

/** What `experiment.env` accepts as a variable name (config/schema.ts). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Most runs one sweep may have. Each is a Job (or JobSet), a Kueue Workload and a Pulumi resource
 * of the stack, and each is listed in the plan: beyond this a grid is better split over stacks.
 */
export const MAX_SWEEP_RUNS = 64;

const envName = z.string().regex(ENV_NAME, { message: "must be an environment variable name: letters, digits and '_', not starting with a digit" });

export const sweepSchema = z.strictObject({
  env: z
    .record(envName, z.array(z.string()).min(1))
    .refine((env) => Object.keys(env).length > 0, { message: "must name at least one variable" })
    .meta({
      description: `variable → list of values; every combination is a run of its own, with its own name, environment and checkpoint directory (at most ${MAX_SWEEP_RUNS} combinations). Values are strings: quote numbers in YAML`,
    }),
  maxParallel: int(1, MAX_SWEEP_RUNS)
    .optional()
    .meta({
      description:
        "most runs of the sweep admitted at once, by Kueue: the sweep's own ClusterQueue borrows at most this many runs' resources from the cluster's queue. Needs the cluster's queues of this project (not `queueing.install: false`)",
      defaultText: "no limit beyond the cluster's quota",
    }),
});

export type SweepInput = z.infer<typeof sweepSchema>;

/**
 * The sweep's own ClusterQueue and LocalQueue, with `maxParallel` (k8s/sweep-queue.ts): named after
 * the experiment, as its other objects are (`<experiment>-launcher`).
 */
export function sweepQueueName(experiment: string): string {
  return `${experiment}-sweep`;
}

/** One combination of the grid. */
export interface SweepPoint {
  /** 6 hex digits of the combination's hash: its checkpoint directory and label, stable when other values are added. */
  readonly id: string;
  /** Variable → value, in the grid's key order. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Every combination, in a stable order: variables as written, values as listed, the last variable
 * varying fastest.
 */
export function sweepPoints(sweep: SweepInput): SweepPoint[] {
  let combos: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(sweep.env)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos.map((env) => ({ id: specHash(env), env }));
}

/** How many runs the grid makes, without building it. */
export function sweepSize(sweep: SweepInput): number {
  return Object.values(sweep.env).reduce((n, values) => n * values.length, 1);
}

/**
 * What the schema cannot see: a variable set both by `env` and by the sweep, a value listed twice
 * (two identical runs), and a grid over MAX_SWEEP_RUNS. `secretEnv` clashes are checked with the
 * secrets (config/secret-env.ts), so that no value appears here.
 */
export function sweepRules(sweep: SweepInput, env: Readonly<Record<string, string>>, queueInstalled: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const [name, values] of Object.entries(sweep.env)) {
    const path = `experiment.sweep.env.${name}`;
    if (name in env) problems.push({ path, message: `is also set in experiment.env (got ${show(env[name])} there); a variable is either fixed or swept, not both (remove one)` });
    const seen = new Set<string>();
    for (const v of values) {
      if (seen.has(v)) problems.push({ path, message: `lists ${show(v)} twice, which would make two identical runs (list each value once)` });
      seen.add(v);
    }
  }
  const size = sweepSize(sweep);
  if (size > MAX_SWEEP_RUNS) {
    const counts = Object.entries(sweep.env).map(([k, v]) => `${k} ${v.length}`).join(" x ");
    problems.push({ path: "experiment.sweep.env", message: `makes ${size} runs (${counts}), over the ${MAX_SWEEP_RUNS} one sweep may have (split the grid over stacks, or list fewer values)` });
  }
  if (sweep.maxParallel !== undefined && !queueInstalled) {
    problems.push({
      path: "experiment.sweep.maxParallel",
      message: `needs the cluster's queues of this project, whose ClusterQueue the sweep's own borrows from (got ${sweep.maxParallel} with queueing.install: false; remove maxParallel, and Kueue admits the runs as the cluster's own queue allows)`,
    });
  }
  return problems;
}
