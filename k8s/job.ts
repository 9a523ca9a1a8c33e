/**
 * The training Job: one pod per node, each running the launcher (preflight, then
 * torch.distributed.run with one worker per GPU). See docs/training-job.md for the whole story.
 *
 * - One node: a plain Job of one pod; torchrun's standalone rendezvous on localhost.
 * - Several nodes: an Indexed Job (completions = parallelism = nodes) whose pods name the headless
 *   Service as subdomain; node rank = completion index; rank 0 is `<job>-0.<service>`.
 *   https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
 *
 * Failure semantics (https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy):
 * a disrupted pod (spot reclaim, drain, preemption: condition DisruptionTarget) is replaced without
 * counting against backoffLimit; a trainer that exits non-zero fails the whole Job at once, so a
 * crashing script never burns GPU hours on blind retries. The rules are evaluated in order, and a
 * disrupted trainer is SIGTERMed and exits non-zero too, hence Ignore comes first.
 */
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { ExperimentSpec } from "../config/spec";
import { experimentLabels } from "./labels";
import { LAUNCHER_DIR, buildLaunch } from "./launch";
import type { ExperimentNames } from "./names";
import { EFA_RESOURCE, PodNetwork } from "./network";
import { PodSizing, mebibytes, millicores } from "./pod-resources";
import { gpuToleration } from "./scheduling";
import type { BuiltVolumes } from "./volumes";

export const TRAINER_CONTAINER = "trainer";
export const GPU_RESOURCE = "nvidia.com/gpu";
/** Pod failures not covered by the policy (e.g. a node lost without a disruption condition). */
export const BACKOFF_LIMIT = 2;
/** Pulumi returns once the Job is created instead of waiting (10 min by default) for it to finish. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
/** The cluster autoscaler must never evict a training pod to consolidate nodes. */
export const SAFE_TO_EVICT_ANNOTATION = "cluster-autoscaler.kubernetes.io/safe-to-evict";
const SHM_VOLUME = "dshm";
const LAUNCHER_VOLUME = "launcher";
/** Read-only files: the launcher is read by python3, never executed or written. */
const LAUNCHER_FILE_MODE = 0o444;

export interface TrainingJobInput {
  readonly names: ExperimentNames;
  readonly namespace: string;
  readonly stack: string;
  readonly experiment: ExperimentSpec;
  /** `repository@sha256:...`, from the plan. */
  readonly image: string;
  /** The pool's node labels. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly sizing: PodSizing;
  readonly network: PodNetwork;
  readonly volumes: BuiltVolumes;
  /** RuntimeClass of the pods where the NVIDIA runtime is not the default (k8s/runtime-class.ts). */
  readonly runtimeClassName?: string;
}

/** Stable DNS name of rank 0, for multi-node runs. */
export function masterHost(names: ExperimentNames): string {
  return `${names.job}-0.${names.service}`;
}

function env(input: TrainingJobInput, launchEnv: Readonly<Record<string, string>>): IEnvVar[] {
  // Ours first, then the experiment's (passed through by the launch builder). Where the stack
  // sets one of ours itself (say FI_PROVIDER), its value replaces ours instead of appearing twice.
  const ours = Object.entries(input.network.env).filter(([k]) => !(k in launchEnv));
  return [...ours, ...Object.entries(launchEnv)].map(([name, value]) => ({ name, value }));
}

function trainer(input: TrainingJobInput): IContainer {
  const { experiment, sizing, network } = input;
  const multiNode = experiment.nodes > 1;
  const launch = buildLaunch(experiment, {
    kind: "pod",
    gpusPerNode: experiment.gpusPerNode,
    masterHost: multiNode ? masterHost(input.names) : undefined,
    shmMiB: sizing.shmMiB,
  });
  const devices: Record<string, string> = { [GPU_RESOURCE]: String(experiment.gpusPerNode) };
  if (network.efaDevices > 0) devices[EFA_RESOURCE] = String(network.efaDevices);
  const mounts: IVolumeMount[] = [
    { name: SHM_VOLUME, mountPath: "/dev/shm" },
    { name: LAUNCHER_VOLUME, mountPath: LAUNCHER_DIR, readOnly: true },
    ...input.volumes.mounts,
  ];
  return {
    name: TRAINER_CONTAINER,
    image: input.image,
    // Pinned by digest: the node's copy is the same image, no registry round trip needed.
    imagePullPolicy: "IfNotPresent",
    command: [...launch.command],
    args: [...launch.args],
    env: env(input, launch.env),
    resources: {
      // Extended resources (GPUs, EFA) must have request = limit. No CPU limit: CFS throttling
      // stalls data loaders and NCCL's progress threads; the request already reserves the cores.
      requests: { cpu: millicores(sizing.cpuMilli), memory: mebibytes(sizing.memoryRequestMiB), ...devices },
      limits: { memory: mebibytes(sizing.memoryLimitMiB), ...devices },
    },
    volumeMounts: mounts,
  };
}

function podVolumes(input: TrainingJobInput): IVolume[] {
  return [
    // Containers get 64 MiB of /dev/shm by default; DataLoader workers and NCCL need far more.
    { name: SHM_VOLUME, emptyDir: { medium: "Memory", sizeLimit: mebibytes(input.sizing.shmMiB) } },
    { name: LAUNCHER_VOLUME, configMap: { name: input.names.launcherConfigMap, defaultMode: LAUNCHER_FILE_MODE } },
    ...input.volumes.podVolumes,
  ];
}

export function buildTrainingJob(input: TrainingJobInput): IJob {
  const { experiment, names } = input;
  const multiNode = experiment.nodes > 1;
  const labels = experimentLabels(experiment.name, input.stack, "trainer");
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: names.job,
      namespace: input.namespace,
      labels,
      annotations: { [SKIP_AWAIT_ANNOTATION]: "true" },
    },
    spec: {
      completions: experiment.nodes,
      parallelism: experiment.nodes,
      ...(multiNode ? { completionMode: "Indexed" } : {}),
      backoffLimit: BACKOFF_LIMIT,
      // The whole run, scale-up and image pull included; then the Job fails and its pods stop.
      activeDeadlineSeconds: experiment.maxRunTimeMinutes * 60,
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
          { action: "FailJob", onExitCodes: { containerName: TRAINER_CONTAINER, operator: "NotIn", values: [0] } },
        ],
      },
      // A replacement pod starts only once the old one has fully terminated and freed its GPUs
      // (and, multi-node, its hostname). Required to be Failed alongside a podFailurePolicy.
      podReplacementPolicy: "Failed",
      // No ttlSecondsAfterFinished: a Job deleted by a TTL would be re-created, and so re-run,
      // by the next `pulumi up --refresh`. A finished Job's pods hold no GPUs.
      template: {
        metadata: {
          labels,
          annotations: { [SAFE_TO_EVICT_ANNOTATION]: "false" },
        },
        spec: {
          restartPolicy: "Never",
          ...(input.runtimeClassName ? { runtimeClassName: input.runtimeClassName } : {}),
          ...(multiNode ? { subdomain: names.service } : {}),
          nodeSelector: { ...input.nodeSelector },
          tolerations: [gpuToleration()],
          // No API access needed, and no service env vars: a Service named e.g. `master` in the
          // namespace would otherwise inject MASTER_PORT=tcp://... next to torchrun's variables.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [trainer(input)],
          volumes: podVolumes(input),
        },
      },
    },
  };
}
