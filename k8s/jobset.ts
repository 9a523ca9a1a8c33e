/**
 * A multi-node run: a JobSet (jobset.x-k8s.io/v1alpha2, CRD config/components/crd/bases/
 * jobset.x-k8s.io_jobsets.yaml at v0.12.0) with one replicated job `node` of one Indexed Job whose
 * pods are the nodes of the run: node rank = JOB_COMPLETION_INDEX, pod 0 is
 * `<jobset>-node-0-0.<jobset>` through the headless Service JobSet creates
 * (network.enableDNSHostnames; subdomain defaults to the JobSet's name).
 *
 * Failure semantics (k8s/failure-policy.ts; api/jobset/v1alpha2/jobset_types.go, FailurePolicy, at
 * v0.12.0): the child Job fails at once on a pod that knows what happened (backoffLimit 0), and is
 * left to replace in place a pod that only knows the cause was elsewhere (exit 143 or 75). The
 * JobSet's rules decide, first match wins:
 *  1. a node disruption (pod condition DisruptionTarget: spot reclaim, drain, preemption, a lost
 *     node's pod evicted or garbage-collected) restarts the whole group, not counted against
 *     maxRestarts (RestartJobSetAndIgnoreMaxRestarts);
 *  2. the restart limit: a pod of attempt maxRestarts + maxDisruptionRestarts + 1 exits 76 at once
 *     (the launcher reads the attempt from the pod's restart-attempt label), which fails the run,
 *     so disruption restarts have a bound of their own;
 *  3. the run-time limit (child Job DeadlineExceeded) fails the run;
 *  4. a training failure (every peer launcher alive) restarts the group, at most maxRestarts times.
 * BlockingRecreate: the new pods start only once all old ones are gone, so GPUs and hostnames are free.
 */
import type { IJobSpec } from "kubernetes-models/batch/v1/JobSpec";
import { experimentLabels } from "./labels";
import { AWAIT_ANNOTATIONS, TrainingJobInput, runLabels, trainingPodTemplate } from "./job";
import { JobSetFailureRule, childPodFailurePolicy, jobSetFailureRules } from "./failure-policy";

export const JOBSET_API_VERSION = "jobset.x-k8s.io/v1alpha2";
/** The one replicated job; its name is part of every pod's hostname. */
export const REPLICATED_JOB = "node";

export interface JobSet {
  readonly apiVersion: typeof JOBSET_API_VERSION;
  readonly kind: "JobSet";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
  readonly spec: {
    readonly network: { readonly enableDNSHostnames: boolean; readonly publishNotReadyAddresses: boolean };
    readonly failurePolicy: {
      readonly maxRestarts: number;
      readonly restartStrategy: "Recreate" | "BlockingRecreate";
      readonly rules: readonly JobSetFailureRule[];
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
    // A failure that decides ends this Job now; the JobSet's failure policy restarts the group or fails it.
    backoffLimit: 0,
    // Per attempt: the whole run, scale-up and image pull included.
    activeDeadlineSeconds: experiment.maxRunTimeMinutes * 60,
    podFailurePolicy: childPodFailurePolicy(),
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
      // As the Job's: `pulumi up` returns on submit, and awaits the old run's deletion on replace.
      annotations: { ...AWAIT_ANNOTATIONS },
    },
    spec: {
      // Workers resolve pod 0 before it is Ready (training pods have no readiness probe).
      network: { enableDNSHostnames: true, publishNotReadyAddresses: true },
      failurePolicy: {
        maxRestarts: experiment.maxRestarts,
        restartStrategy: "BlockingRecreate",
        rules: jobSetFailureRules(),
      },
      replicatedJobs: [{ name: REPLICATED_JOB, replicas: 1, template: { metadata: { labels }, spec: childJobSpec(input, labels) } }],
    },
  };
}

