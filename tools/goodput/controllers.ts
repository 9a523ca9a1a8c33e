/**
 * The decisions of the two controllers that read a failed training pod, replayed offline: the
 * Job controller's podFailurePolicy and backoffLimit, and the JobSet controller's failurePolicy.
 * Ported from their sources, nothing added:
 *  - kubernetes pkg/controller/job/pod_failure_policy.go matchPodFailurePolicy: rules in order per
 *    pod; the first that matches decides (Ignore: not counted; Count: counted; FailJob: the message
 *    "Container <c> for pod <ns>/<p> failed with exit code <n> matching FailJob rule at index <i>" or
 *    "Pod <ns>/<p> has condition <type> matching FailJob rule at index <i>"); none: counted.
 *  - kubernetes pkg/controller/job/job_controller.go syncJob: in one sync, getFailJobMessage takes
 *    the first failed pod of the list with a FailJob message, and only without one does
 *    `failed > backoffLimit` fail the Job with BackoffLimitExceeded; a decision, once made, stays.
 *  - jobset v0.12.0 pkg/controllers/failure_policy.go: rules in order, the first with a matching
 *    failed child Job wins; no match is RestartJobSet; RestartJobSet fails the JobSet with
 *    ReachedMaxRestarts once restartsCountTowardsMax >= maxRestarts; RestartJobSetAndIgnoreMaxRestarts
 *    adds to restarts only.
 * Used by tests/failure-attribution.test.ts and by `npm run bench:goodput`.
 */
import type { IPodFailurePolicy } from "kubernetes-models/batch/v1/PodFailurePolicy";
import type { JobSetFailureRule } from "../../k8s/failure-policy";

export interface FailedPod {
  readonly name: string;
  /** The trainer container's exit code; undefined when it never terminated (a pod garbage-collected with its node). */
  readonly exitCode?: number;
  /** Condition DisruptionTarget=True. */
  readonly disrupted?: boolean;
}

export interface JobFailure {
  readonly reason: "PodFailurePolicy" | "BackoffLimitExceeded" | "DeadlineExceeded";
  readonly message: string;
}

export interface JobReplay {
  /** Undefined: the Job has not failed (its failed pods were replaced). */
  readonly failure?: JobFailure;
  /** Failures counted against backoffLimit. */
  readonly counted: number;
  /** Pods the Job controller replaced (their failure decided nothing). */
  readonly replaced: readonly string[];
}

const NAMESPACE = "training";
const CONTAINER = "trainer";

export function matchPodFailurePolicy(policy: IPodFailurePolicy, pod: FailedPod): { message?: string; counted: boolean } {
  for (const [index, rule] of policy.rules.entries()) {
    let message: string | undefined;
    if (rule.onExitCodes) {
      const req = rule.onExitCodes;
      const code = pod.exitCode;
      if (code === undefined || code === 0) continue;
      if (req.containerName !== undefined && req.containerName !== CONTAINER) continue;
      const listed = req.values.includes(code);
      if (req.operator === "In" ? !listed : req.operator === "NotIn" ? listed : true) continue;
      message = `Container ${CONTAINER} for pod ${NAMESPACE}/${pod.name} failed with exit code ${code} matching FailJob rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const matches = rule.onPodConditions.some((c) => c.type === "DisruptionTarget" && c.status === "True" && pod.disrupted);
      if (!matches) continue;
      message = `Pod ${NAMESPACE}/${pod.name} has condition DisruptionTarget matching FailJob rule at index ${index}`;
    } else {
      continue;
    }
    if (rule.action === "Ignore") return { counted: false };
    if (rule.action === "Count") return { counted: true };
    if (rule.action === "FailJob") return { message, counted: true };
  }
  return { counted: true };
}

/** The Job controller over failed pods seen in `syncs`: each inner list is one sync's pod list, in list order. */
export function replayJob(policy: IPodFailurePolicy, backoffLimit: number, syncs: readonly (readonly FailedPod[])[]): JobReplay {
  let failure: JobFailure | undefined;
  let counted = 0;
  const replaced: string[] = [];
  for (const pods of syncs) {
    if (failure) break;
    for (const pod of pods) {
      const { message, counted: count } = matchPodFailurePolicy(policy, pod);
      if (message !== undefined && !failure) failure = { reason: "PodFailurePolicy", message };
      if (count) counted++;
      if (message === undefined) replaced.push(pod.name);
    }
    if (!failure && counted > backoffLimit) failure = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
  }
  return { failure, counted, replaced: failure ? [] : replaced };
}

export interface JobSetState {
  readonly restarts: number;
  readonly restartsCountTowardsMax: number;
  readonly failed?: string;
}

/** The JobSet controller's answer to its one child Job failing (a run has one child Job). */
export function jobSetDecision(rules: readonly JobSetFailureRule[], maxRestarts: number, state: JobSetState, failure: JobFailure): { rule?: string; state: JobSetState } {
  const rule = rules.find(
    (r) =>
      (!r.onJobFailureReasons || r.onJobFailureReasons.length === 0 || r.onJobFailureReasons.includes(failure.reason)) &&
      (!r.onJobFailureMessagePatterns || r.onJobFailureMessagePatterns.length === 0 || r.onJobFailureMessagePatterns.some((p) => new RegExp(p).test(failure.message))),
  );
  const action = rule?.action ?? "RestartJobSet";
  if (action === "FailJobSet") return { rule: rule?.name, state: { ...state, failed: "FailedByFailurePolicy" } };
  if (action === "RestartJobSetAndIgnoreMaxRestarts") return { rule: rule?.name, state: { ...state, restarts: state.restarts + 1 } };
  if (state.restartsCountTowardsMax >= maxRestarts) return { rule: rule?.name, state: { ...state, failed: "ReachedMaxRestarts" } };
  return { rule: rule?.name, state: { ...state, restarts: state.restarts + 1, restartsCountTowardsMax: state.restartsCountTowardsMax + 1 } };
}

/** Every order and grouping into syncs in which the Job controller can see `pods`. */
export function everyOrder<T>(pods: readonly T[]): T[][][] {
  const out: T[][][] = [];
  const permute = (rest: readonly T[], acc: T[]): void => {
    if (rest.length === 0) {
      for (let mask = 0; mask < 2 ** Math.max(0, acc.length - 1); mask++) {
        const syncs: T[][] = [[acc[0]]];
        for (let i = 1; i < acc.length; i++) (mask & (1 << (i - 1)) ? syncs[syncs.length - 1] : (syncs[syncs.length] = [])).push(acc[i]);
        out.push(syncs);
      }
      return;
    }
    rest.forEach((p, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, p]));
  };
  if (pods.length > 0) permute(pods, []);
  return out;
}
