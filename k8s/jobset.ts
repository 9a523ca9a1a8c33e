/**
 * A multi-node run: a JobSet (jobset.x-k8s.io/v1alpha2, CRD config/components/crd/bases/
 * jobset.x-k8s.io_jobsets.yaml at v0.12.0) with one replicated job `node` of one Indexed Job whose
 * pods are the nodes of the run: node rank = JOB_COMPLETION_INDEX, pod 0 is
 * `<jobset>-node-0-0.<jobset>` through the headless Service JobSet creates
 * (network.enableDNSHostnames; subdomain defaults to the JobSet's name).
 *
 * Failure semantics (api/jobset/v1alpha2/jobset_types.go, FailurePolicy, at v0.12.0): every pod
 * failure fails the child Job at once (backoffLimit 0, podFailurePolicy FailJob), and the JobSet's
 * rules decide, first match wins:
 *  1. a node disruption (pod condition DisruptionTarget: spot reclaim, drain, preemption) restarts
 *     the whole group, not counted against maxRestarts (RestartJobSetAndIgnoreMaxRestarts). The
 *     Job controller's failure message for that rule is "Pod <ns>/<name> has condition
 *     DisruptionTarget matching FailJob rule at index 0" (kubernetes pkg/controller/job/
 *     pod_failure_policy.go), which the rule matches;
 *  2. the run-time limit (child Job DeadlineExceeded) fails the run;
 *  3. a training failure (any other exit) restarts the group, at most maxRestarts times.
 * BlockingRecreate: the new pods start only once all old ones are gone, so GPUs and hostnames are free.
 */
import type { IJobSpec } from "kubernetes-models/batch/v1/JobSpec";
import { experimentLabels } from "./labels";
import { SKIP_AWAIT_ANNOTATION, TRAINER_CONTAINER, TrainingJobInput, runLabels, trainingPodTemplate } from "./job";

export const JOBSET_API_VERSION = "jobset.x-k8s.io/v1alpha2";
/** The one replicated job; its name is part of every pod's hostname. */
export const REPLICATED_JOB = "node";
/** The podFailurePolicy rule index that marks a disruption; the JobSet rule matches its message. */
const DISRUPTION_RULE_INDEX = 0;

export interface JobSet {
  readonly apiVersion: typeof JOBSET_API_VERSION;
  readonly kind: "JobSet";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
  readonly spec: {
    readonly network: { readonly enableDNSHostnames: boolean; readonly publishNotReadyAddresses: boolean };
    readonly failurePolicy: {
      readonly maxRestarts: number;
      readonly restartStrategy: "Recreate" | "BlockingRecreate";
      readonly rules: readonly { name: string; action: string; onJobFailureReasons?: string[]; onJobFailureMessagePatterns?: string[] }[];
    };
    readonly replicatedJobs: readonly { readonly name: string; readonly replicas: number; readonly template: { metadata: { labels: Record<string, string> }; spec: IJobSpec } }[];
  };
}

export function childJobSpec(input: TrainingJobInput, labels: Record<string, string>): IJobSpec {
  const { experiment } = input;
  return {
    completionMode: "Indexed",
    completions: experiment.nodes,
    parallelism: experiment.nodes,
    // Any failure ends this Job now; the JobSet's failure policy restarts the group or fails it.
    backoffLimit: 0,
    // Per attempt: the whole run, scale-up and image pull included.
    activeDeadlineSeconds: experiment.maxRunTimeMinutes * 60,
    podFailurePolicy: {
      rules: [
        { action: "FailJob", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        { action: "FailJob", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "NotIn", values: [0] } },
      ],
    },
    podReplacementPolicy: "Failed",
    template: trainingPodTemplate(input, labels),
  };
}

export function buildTrainingJobSet(input: TrainingJobInput): JobSet {
  const { experiment, names } = input;
  const labels = experimentLabels(experiment.name, input.stack, "trainer");
  return {
    apiVersion: JOBSET_API_VERSION,
    kind: "JobSet",
    metadata: {
      name: names.job,
      namespace: input.namespace,
      labels: runLabels(input, labels),
      // Not awaited either way (a custom resource), but kept like the Job's: `pulumi up` returns on submit.
      annotations: { [SKIP_AWAIT_ANNOTATION]: "true" },
    },
    spec: {
      // Workers resolve pod 0 before it is Ready (training pods have no readiness probe).
      network: { enableDNSHostnames: true, publishNotReadyAddresses: true },
      failurePolicy: {
        maxRestarts: experiment.maxRestarts,
        restartStrategy: "BlockingRecreate",
        rules: [
          {
            name: "NodeDisruption",
            action: "RestartJobSetAndIgnoreMaxRestarts",
            onJobFailureReasons: ["PodFailurePolicy"],
            onJobFailureMessagePatterns: [`has condition DisruptionTarget matching FailJob rule at index ${DISRUPTION_RULE_INDEX}`],
          },
          { name: "RunTimeLimit", action: "FailJobSet", onJobFailureReasons: ["DeadlineExceeded"] },
          { name: "TrainingFailure", action: "RestartJobSet", onJobFailureReasons: ["PodFailurePolicy", "BackoffLimitExceeded"] },
        ],
      },
      replicatedJobs: [{ name: REPLICATED_JOB, replicas: 1, template: { metadata: { labels }, spec: childJobSpec(input, labels) } }],
    },
  };
}

