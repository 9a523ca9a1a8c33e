/** The plan text's queueing section: queue, waitForPodsReady bound in minutes and dollars, restarts. */
import { GPU_UNHEALTHY_LABEL } from "../config/launcher-exit-codes";
import { dollars } from "./cost";
import type { Plan } from "./plan";
import { renderStartPrediction } from "./start-prediction";

export function renderQueueing(plan: Plan): string[] {
  const q = plan.queueing;
  const lines: string[] = [];
  const owner = q.installedHere
    ? "ClusterQueue, Kueue and JobSet installed by this stack"
    : q.ownerStack
      ? `on the ClusterQueue of stack ${q.ownerStack}`
      : `on the cluster's own ClusterQueue ${q.clusterQueue ?? ""} (this stack installs no Kueue or JobSet)`;
  // Every experiment stack creates its own LocalQueue, in its own namespace (k8s/namespace.ts).
  if (plan.experiment) lines.push(`queue: LocalQueue ${q.namespace}/${q.localQueue}, the stack's own (${owner})`);
  else if (q.installedHere) lines.push(`queue: ${owner}; each experiment stack on the cluster creates its LocalQueue ${q.localQueue} in its own namespace`);
  const ready = q.podsReady;
  if (ready) {
    const why = ready.source === "derived" ? `derived: about ${ready.expectedMinutes} min expected to ready pods (scale-up from zero + image pull) x 1.5, at most 20` : "set by queueing.podsReadyTimeoutMinutes";
    lines.push(`waitForPodsReady: a run whose pods are not all ready ${ready.timeoutMinutes} min after admission gives its GPUs back and is requeued (${why})`);
    lines.push(`  the same ${ready.timeoutMinutes} min (recoveryTimeout) for a running run whose pods stop being ready, say a failed pod whose replacement cannot be scheduled`);
    lines.push(`  requeued at most ${ready.requeueLimit} time${ready.requeueLimit === 1 ? "" : "s"}, backoff from ${ready.backoffBaseSeconds} s doubling; then deactivated (Workload condition reason RequeuingLimitExceeded)`);
  } else {
    lines.push("waitForPodsReady: as the cluster's own Kueue is configured");
  }
  const start = renderStartPrediction(plan);
  if (start) lines.push(start);
  if (q.stuckStartCost) {
    lines.push(`  a stuck start costs at most ${dollars(q.stuckStartCost.perAttempt)} per attempt, ${dollars(q.stuckStartCost.allAttempts)} over all ${ready!.requeueLimit + 1} attempts with the nodes left idle between them (requeue backoff) and after the last (until scale-down), ${q.stuckStartCost.idleMinutes} min in all`);
  }
  const r = q.restart;
  if (r) {
    if (r.kind === "JobSet") {
      lines.push(`restarts: a JobSet; after a node disruption (spot reclaim, drain, node loss) all pods restart, not counted as training failures; after a training failure at most ${r.maxRestarts} restart${r.maxRestarts === 1 ? "" : "s"}; past ${r.maxRestarts + r.maxDisruptionRestarts} restarts of both kinds the run fails`);
    } else {
      lines.push(`restarts: a Job; a disrupted pod (spot reclaim, drain) is replaced, at most ${r.maxDisruptionRestarts} times; a training failure fails the run at once`);
    }
    lines.push(
      r.gpuHealthCheck
        ? `  GPU health: before training each pod measures its GPUs (matmul, memory, peer copies, an all-reduce across the node's GPUs) against the GPU's datasheet figures; a sick GPU fails the pod with one line, labels its node ${GPU_UNHEALTHY_LABEL} so the restart lands elsewhere, and counts as a disruption`
        : "  GPU health: not checked (experiment.gpuHealthCheck: false); a sick GPU shows only as slow or failed training",
    );
    const sigterm = `about ${r.saveSeconds} s (torchrun's shutdown) within a ${r.terminationGraceSeconds} s pod grace period`;
    lines.push(
      r.checkpointEnv
        ? `  resume: ${r.checkpointEnv} names the ${r.freshStart ? "run's own" : "experiment's"} checkpoint directory on the output volume; on SIGTERM the script has ${sigterm} to save`
        : `  resume: no output volume, so no checkpoint directory; on SIGTERM the script has ${sigterm} to stop`,
    );
    if (r.checkpointEnv) {
      lines.push(
        r.freshStart
          ? `  freshStart: this run starts from step 0 in a directory of its own; its restarts resume from it`
          : `  a change to the run's spec keeps ${r.checkpointEnv}: the changed run resumes from the experiment's last saved state (freshStart: true starts from step 0)`,
      );
    }
  }
  return lines;
}
