/**
 * The runs of `experiment.sweep` (config/sweep.ts): one run of the experiment per point of the
 * grid, each built by the same builder as the experiment's single run, with the point's values
 * added to its environment and the point's checkpoint directory. Labels tie them together: the
 * sweep's (one value for every run of the grid, so `npm run status` shows them as one sweep) and
 * the point's; an annotation carries the point's values, which status prints.
 */
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { ExperimentSpec } from "../config/spec";
import { SweepInput, SweepPoint, sweepPoints, sweepQueueName } from "../config/sweep";
import { canonicalJson, specHash } from "../config/run-name";
import { ExperimentBuildInput, buildExperimentObjects, checkpointDir } from "./experiment";
import type { JobSet } from "./jobset";
import { SweepQueue, buildSweepQueue } from "./sweep-queue";

/** Same value on every run of one grid: the hash of the grid itself. */
export const SWEEP_LABEL = "gpu-training-clusters.io/sweep";
/** The run's point of the grid (SweepPoint.id). */
export const SWEEP_POINT_LABEL = "gpu-training-clusters.io/sweep-point";
/** The point's values, as JSON (`{"LEARNING_RATE":"3e-4"}`). */
export const SWEEP_ENV_ANNOTATION = "gpu-training-clusters.io/sweep-env";

export interface SweepRun {
  readonly point: SweepPoint;
  readonly runName: string;
  readonly checkpointDir?: string;
  readonly job?: IJob;
  readonly jobSet?: JobSet;
}

export interface SweepObjects {
  /** The SWEEP_LABEL value. */
  readonly id: string;
  readonly runs: readonly SweepRun[];
  /** Present with `maxParallel` (k8s/sweep-queue.ts). */
  readonly queue?: SweepQueue;
}

export function sweepId(sweep: SweepInput): string {
  return specHash(sweep.env);
}

/** The experiment as one point runs it: `env` plus the point's values. */
export function pointExperiment(experiment: ExperimentSpec, point: SweepPoint): ExperimentSpec {
  return { ...experiment, env: { ...experiment.env, ...point.env } };
}

export function buildSweep(input: ExperimentBuildInput, sweep: SweepInput): SweepObjects {
  const { experiment } = input;
  const id = sweepId(sweep);
  const queue =
    sweep.maxParallel === undefined
      ? undefined
      : buildSweepQueue({
          experiment: experiment.name,
          namespace: input.namespace ?? "default",
          pool: input.pool,
          gpusPerRun: experiment.nodes * experiment.gpusPerNode,
          maxParallel: sweep.maxParallel,
        });
  const queueName = queue ? sweepQueueName(experiment.name) : input.queueName;
  const runs = sweepPoints(sweep).map((point): SweepRun => {
    const e = pointExperiment(experiment, point);
    const built = buildExperimentObjects({ ...input, experiment: e, queueName, sweepPoint: point });
    const labels = { [SWEEP_LABEL]: id, [SWEEP_POINT_LABEL]: point.id };
    const annotations = { [SWEEP_ENV_ANNOTATION]: canonicalJson(point.env) };
    const mark = <T extends { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } }>(o: T): T => ({
      ...o,
      metadata: { ...o.metadata, labels: { ...o.metadata?.labels, ...labels }, annotations: { ...o.metadata?.annotations, ...annotations } },
    });
    return {
      point,
      runName: built.runName,
      checkpointDir: checkpointDir(e, built.runName, point),
      ...(built.job ? { job: mark(built.job) } : { jobSet: mark(built.jobSet!) }),
    };
  });
  return { id, runs, queue };
}
