/**
 * How a failed pod is read: the Job's podFailurePolicy and the JobSet's failurePolicy, written
 * against the exit codes the launcher chooses (config/launcher-exit-codes.ts, supervise.py).
 *
 * The Job controller fails a Job on the first failed pod it meets that matches a FailJob rule
 * (kubernetes pkg/controller/job/pod_failure_policy.go matchPodFailurePolicy; rules in order per
 * pod, pods in whatever order it lists them), so the outcome must not depend on which pod comes
 * first. Hence only pods that know what happened may fail the Job:
 *  - a pod with condition DisruptionTarget (eviction, drain, preemption, taint or PodGC after a
 *    node loss) is a disruption;
 *  - a pod whose launcher exited 143 (told to stop, no condition: a deletion) or 75 (its run failed
 *    because a peer launcher was gone or stopping) knows only that the cause is elsewhere: it is
 *    replaced in place (Ignore) and never decides anything, whatever the order;
 *  - a pod whose launcher saw every peer alive (any other non-zero code) is a training failure;
 *  - 76: the run passed its restart limit;
 *  - 77: the pod's GPU health check found a sick GPU and labelled the node (gpu_health.py): the
 *    machine's fault, so it is a disruption, and the replacement avoids the node.
 * tests/failure-attribution.test.ts replays both controllers over every order of the failed pods.
 */
import type { IPodFailurePolicy } from "kubernetes-models/batch/v1/PodFailurePolicy";
import { LAUNCHER_EXIT } from "../config/launcher-exit-codes";

export const TRAINER_CONTAINER = "trainer";

const DISRUPTED = { type: "DisruptionTarget", status: "True" } as const;
/** In ascending order: the API server refuses an onExitCodes list that is not ("must be ordered",
 * kubernetes pkg/apis/batch/validation/validation.go validatePodFailurePolicyRuleOnExitCodes). */
const ELSEWHERE: number[] = [LAUNCHER_EXIT.stopped, LAUNCHER_EXIT.peerLost].sort((a, b) => a - b);
/** Not the application's fault: counted as a disruption (the backoffLimit is the disruption bound). */
const NOT_THE_APPLICATION: number[] = [...ELSEWHERE, LAUNCHER_EXIT.gpuUnhealthy].sort((a, b) => a - b);

/** A single-node Job: disruptions are retried (each counts against backoffLimit, the disruption bound); a training failure fails it. */
export function singleNodePodFailurePolicy(): IPodFailurePolicy {
  return {
    rules: [
      { action: "Count", onPodConditions: [{ ...DISRUPTED }] },
      { action: "Count", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "In", values: [...NOT_THE_APPLICATION] } },
      { action: "FailJob", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "NotIn", values: [0] } },
    ],
  };
}

/** Rule indexes of the child Job's policy that the JobSet's rules match by message. */
export const CHILD_RULE = { disruption: 0, elsewhere: 1, restartLimit: 2, gpuUnhealthy: 3, trainingFailure: 4 } as const;

/** The child Job of a multi-node run (backoffLimit 0): every decision goes to the JobSet. */
export function childPodFailurePolicy(): IPodFailurePolicy {
  return {
    rules: [
      { action: "FailJob", onPodConditions: [{ ...DISRUPTED }] },
      { action: "Ignore", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "In", values: [...ELSEWHERE] } },
      { action: "FailJob", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "In", values: [LAUNCHER_EXIT.restartLimit] } },
      { action: "FailJob", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "In", values: [LAUNCHER_EXIT.gpuUnhealthy] } },
      { action: "FailJob", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "NotIn", values: [0] } },
    ],
  };
}

export interface JobSetFailureRule {
  readonly name: string;
  readonly action: "FailJobSet" | "RestartJobSet" | "RestartJobSetAndIgnoreMaxRestarts";
  readonly onJobFailureReasons?: string[];
  readonly onJobFailureMessagePatterns?: string[];
}

/**
 * The JobSet's rules, first match wins (jobset v0.12.0 pkg/controllers/failure_policy.go
 * findFirstFailedPolicyRuleAndJob). The messages are the Job controller's: "Pod <ns>/<name> has
 * condition DisruptionTarget matching FailJob rule at index 0" and "Container trainer for pod
 * <ns>/<name> failed with exit code 76 matching FailJob rule at index 2".
 */
export function jobSetFailureRules(): JobSetFailureRule[] {
  return [
    {
      name: "NodeDisruption",
      action: "RestartJobSetAndIgnoreMaxRestarts",
      onJobFailureReasons: ["PodFailurePolicy"],
      onJobFailureMessagePatterns: [`has condition DisruptionTarget matching FailJob rule at index ${CHILD_RULE.disruption}$`],
    },
    {
      // A sick GPU is the machine's fault: restarted like a disruption; --max-restarts still bounds the total.
      name: "UnhealthyGpu",
      action: "RestartJobSetAndIgnoreMaxRestarts",
      onJobFailureReasons: ["PodFailurePolicy"],
      onJobFailureMessagePatterns: [`failed with exit code ${LAUNCHER_EXIT.gpuUnhealthy} matching FailJob rule at index ${CHILD_RULE.gpuUnhealthy}$`],
    },
    {
      name: "RestartLimit",
      action: "FailJobSet",
      onJobFailureReasons: ["PodFailurePolicy"],
      onJobFailureMessagePatterns: [`failed with exit code ${LAUNCHER_EXIT.restartLimit} matching FailJob rule at index ${CHILD_RULE.restartLimit}$`],
    },
    { name: "RunTimeLimit", action: "FailJobSet", onJobFailureReasons: ["DeadlineExceeded"] },
    { name: "TrainingFailure", action: "RestartJobSet", onJobFailureReasons: ["PodFailurePolicy", "BackoffLimitExceeded"] },
  ];
}
