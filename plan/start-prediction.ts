/**
 * Time to first step as the plan predicts it, phase by phase, for the experiment's pool — the
 * phases `npm run status` measures (status/start-phases.ts). The model: a pool with fewer warm
 * nodes (minNodes) than the run needs scales up from zero (SCALE_UP_MINUTES: autoscaler scan, EC2
 * launch, AMI boot, driver, join, device plugin); a fresh node pulls the image (IMAGE_PULL_MINUTES);
 * admission, the preflight and the rendezvous take seconds; setup commands and the script's own
 * start are the user's and are not predicted. Both figures are our estimates, stated in
 * plan/queueing.ts, not measurements.
 */
import type { Plan } from "./plan";
import { IMAGE_PULL_MINUTES, SCALE_UP_MINUTES } from "./queueing";

export interface StartPrediction {
  /** Minutes from admission to rank 0's pod scheduled (a node ready). */
  readonly scheduledMinutes: number;
  /** Minutes to pull the image on that node. */
  readonly pullMinutes: number;
  readonly warm: boolean;
  readonly setupCommands: number;
}

export function predictStart(plan: Plan): StartPrediction | undefined {
  const experiment = plan.experiment;
  const pool = experiment && plan.pools.find((p) => p.name === experiment.pool);
  if (!experiment || !pool) return undefined;
  const warm = pool.kind !== "managed" || pool.minNodes >= experiment.nodes;
  return { scheduledMinutes: warm ? 0 : SCALE_UP_MINUTES[pool.kind], pullMinutes: IMAGE_PULL_MINUTES, warm, setupCommands: experiment.setup.length };
}

export function renderStartPrediction(plan: Plan): string | undefined {
  const p = predictStart(plan);
  if (!p) return undefined;
  const scheduled = p.warm ? "pod scheduled at once (nodes already up)" : `pod scheduled after about ${p.scheduledMinutes} min (a node scales up from zero and boots)`;
  const setup = p.setupCommands > 0 ? `, then your ${p.setupCommands} setup command${p.setupCommands === 1 ? "" : "s"} (not predicted)` : "";
  const total = p.scheduledMinutes + p.pullMinutes;
  // The GPU health check's own budget (images/launcher/gpu_health.py): about 1.5 s per GPU plus one all-reduce.
  const health = plan.queueing.restart?.gpuHealthCheck ? ", the GPU health check under a minute" : "";
  return `time to first step (predicted): admitted in seconds when quota is free, ${scheduled}, image pulled after about ${p.pullMinutes} min (none when the node has it), preflight and rendezvous in seconds${health}${setup}: about ${total} min in all; npm run status shows the measured phases`;
}
