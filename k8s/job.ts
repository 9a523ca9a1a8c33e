/**
 * The training Job: one pod per node, each running the launcher (preflight, then
 * torch.distributed.run with one worker per GPU). See docs/training-job.md for the whole story.
 *
 * - One node: a plain Job of one pod (buildTrainingJob); torchrun's standalone rendezvous on localhost.
 * - Several nodes: a JobSet (k8s/jobset.ts) built from the same pod template.
 *
 * Failure semantics (https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy,
 * k8s/failure-policy.ts): a disrupted pod (spot reclaim, drain, preemption: condition
 * DisruptionTarget) or one told to stop (exit 143) is replaced, at most maxDisruptionRestarts times
 * (backoffLimit); a trainer that exits otherwise non-zero fails the whole Job at once, so a
 * crashing script never burns GPU hours on blind retries. The rules are evaluated in order, and a
 * disrupted trainer is SIGTERMed and exits non-zero too, hence the condition comes first.
 */
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import type { IAffinity } from "kubernetes-models/v1/Affinity";
import type { GpuType } from "../catalog/gpus";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { ExperimentSpec } from "../config/spec";
import { experimentLabels } from "./labels";
import { LAUNCHER_DIR } from "../config/launcher-paths";
import { buildLaunch } from "./launch";
import type { ExperimentNames } from "../config/names";
import { EFA_RESOURCE, PodNetwork } from "./network";
import type { PodSizing } from "../plan/pod-sizing";
import { mebibytes, millicores } from "./quantities";
import { gpuToleration } from "./scheduling";
import type { BuiltVolumes } from "./volumes";
import { PodAdditions, podAdditions } from "./workdir";
import { QUEUE_NAME_LABEL } from "./local-queue";
import { CHECKPOINT_ENV, TERMINATION_GRACE_SECONDS } from "../plan/queueing";
import { MAX_EXEC_TIME_LABEL } from "../plan/budget";
import { TRAINER_CONTAINER, singleNodePodFailurePolicy } from "./failure-policy";
import { GPU_UNHEALTHY_LABEL, NODE_NAME_ENV, RESTART_ATTEMPT_ENV } from "../config/launcher-exit-codes";
import { pinnedNode, sourceUses } from "../config/sources";
import { trainerSecurityContext } from "./security-context";

/** The well-known label holding a node's name (https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetesiohostname). */
const HOSTNAME_LABEL = "kubernetes.io/hostname";

export { TRAINER_CONTAINER };
export const GPU_RESOURCE = "nvidia.com/gpu";
/**
 * How `pulumi up` awaits a run object: it returns once the object exists, instead of waiting
 * (10 min by default) for a Job to finish. A `pulumi.com/waitFor` condition replaces the
 * provider's built-in Job await ("Use our built-in await logic only if the user hasn't specified
 * any await overrides", provider/pkg/await/await.go), and a JSONPath naming a field only is met
 * once the field exists (provider/pkg/await/await_test.go: `jsonpath={.metadata}` "Succeeds
 * immediately"). Unlike `pulumi.com/skipAwait`, it leaves the delete awaited: the provider skips
 * waiting for a deleted batch/v1 Job only under skipAwait (provider/pkg/metadata/overrides.go,
 * DeletedCondition, allowsSkipAwaitWithDelete). So a replaced run's old object, deleted first with
 * a foreground cascade, is gone, its pods with it, before its successor is created
 * (docs/training-job.md, "Replacing a run"). pulumi/pulumi-kubernetes, @pulumi/kubernetes 4.34.
 */
export const AWAIT_ANNOTATIONS: Readonly<Record<string, string>> = { "pulumi.com/waitFor": "jsonpath={.metadata.name}" };
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
  /** sha256 of the workdir archive, when the experiment ships one. */
  readonly workdirSha256?: string;
  /** Stable DNS name of pod 0 (multi-node runs; k8s/jobset.ts). */
  readonly masterHost?: string;
  /** The Kueue LocalQueue the run is submitted to (label kueue.x-k8s.io/queue-name). */
  readonly queueName?: string;
  /** The run's checkpoint directory on the output volume, passed as GTC_CHECKPOINT_DIR. */
  readonly checkpointDir?: string;
  /** Where the launcher keeps each rank's log on the output volume (k8s/experiment.ts rankLogsDir). */
  readonly rankLogsDir?: string;
  /** RuntimeClass of the pods where the NVIDIA runtime is not the default (k8s/runtime-class.ts). */
  readonly runtimeClassName?: string;
  /** How long workers wait for pod 0 (plan.queueing.restart.rendezvousTimeoutSeconds); multi-node runs. */
  readonly rendezvousTimeoutSeconds?: number;
  /** GPUs of one node of the pool: a multi-node run's pods that take fewer get a node each. */
  readonly nodeGpus?: number;
  /** Kueue's limit on the run's admitted time over all attempts (plan/budget.ts), when the experiment has a budget. */
  readonly maxExecSeconds?: number;
  /** The pool's GPU, when the launcher checks the GPUs' health before training (experiment.gpuHealthCheck). */
  readonly gpuHealth?: GpuType;
  /** The pods' service account (k8s/gpu-health.ts); none: the namespace's default, with no token mounted. */
  readonly serviceAccountName?: string;
}

/**
 * Stable DNS name of rank 0 of a multi-node run: JobSet gives pod <i> of job <j> of replicated job
 * <r> the hostname `<jobset>-<r>-<j>-<i>` under the subdomain `<jobset>` (api/jobset/v1alpha2/
 * jobset_types.go, Network.EnableDNSHostnames, and pkg/controllers/jobset_controller.go at v0.12.0).
 */
export function masterHost(names: ExperimentNames, replicatedJob = "node"): string {
  return podHost(names, 0, replicatedJob);
}

/** Stable DNS name of the pod of node rank `index` of a multi-node run. */
export function podHost(names: ExperimentNames, index: number, replicatedJob = "node"): string {
  return `${names.job}-${replicatedJob}-0-${index}.${names.job}`;
}

/**
 * The JobSet restart attempt, from the label JobSet puts on every pod it creates
 * (jobset v0.12.0 pkg/controllers/jobset_controller.go labelAndAnnotateObject, RestartsKey).
 */
export const RESTART_ATTEMPT_LABEL = "jobset.sigs.k8s.io/restart-attempt";

function env(input: TrainingJobInput, launchEnv: Readonly<Record<string, string>>): IEnvVar[] {
  // Ours first, then the experiment's (passed through by the launch builder). Where the stack
  // sets one of ours itself (say FI_PROVIDER), its value replaces ours instead of appearing twice.
  const checkpoint: Record<string, string> = input.checkpointDir ? { [CHECKPOINT_ENV]: input.checkpointDir } : {};
  const ours = Object.entries({ ...input.network.env, ...checkpoint }).filter(([k]) => !(k in launchEnv));
  return [...ours, ...Object.entries(launchEnv)].map(([name, value]) => ({ name, value }));
}

function trainer(input: TrainingJobInput): IContainer {
  const { experiment, sizing, network } = input;
  const multiNode = experiment.nodes > 1;
  const launch = buildLaunch(experiment, {
    kind: "pod",
    gpusPerNode: experiment.gpusPerNode,
    masterHost: multiNode ? (input.masterHost ?? masterHost(input.names)) : undefined,
    shmMiB: sizing.shmMiB,
    rendezvousTimeoutSeconds: input.rendezvousTimeoutSeconds,
    peerHosts: multiNode ? Array.from({ length: experiment.nodes }, (_, i) => podHost(input.names, i)) : undefined,
    maxRestarts: multiNode ? experiment.maxRestarts + experiment.maxDisruptionRestarts : undefined,
    gpuHealth: input.gpuHealth,
    rankLogsDir: input.rankLogsDir,
  }, { workdirSha256: input.workdirSha256 });
  const added = additions(input);
  const devices: Record<string, string> = { [GPU_RESOURCE]: String(experiment.gpusPerNode) };
  if (network.efaDevices > 0) devices[EFA_RESOURCE] = String(network.efaDevices);
  const mounts: IVolumeMount[] = [
    { name: SHM_VOLUME, mountPath: "/dev/shm" },
    { name: LAUNCHER_VOLUME, mountPath: LAUNCHER_DIR, readOnly: true },
    ...input.volumes.mounts,
    ...added.mounts,
  ];
  return {
    name: TRAINER_CONTAINER,
    image: input.image,
    // Pinned by digest: the node's copy is the same image, no registry round trip needed.
    imagePullPolicy: "IfNotPresent",
    command: [...launch.command],
    args: [...launch.args],
    env: [
      ...env(input, launch.env),
      ...(multiNode ? [{ name: RESTART_ATTEMPT_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${RESTART_ATTEMPT_LABEL}']` } } }] : []),
      // The node a sick GPU's check labels (images/launcher/gpu_health.py mark_node).
      ...(input.gpuHealth ? [{ name: NODE_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }] : []),
      ...added.env,
    ],
    resources: {
      // Extended resources (GPUs, EFA) must have request = limit. No CPU limit: CFS throttling
      // stalls data loaders and NCCL's progress threads; the request already reserves the cores.
      requests: { cpu: millicores(sizing.cpuMilli), memory: mebibytes(sizing.memoryRequestMiB), ...devices },
      limits: { memory: mebibytes(sizing.memoryLimitMiB), ...devices },
    },
    volumeMounts: mounts,
    securityContext: trainerSecurityContext(),
  };
}

function podVolumes(input: TrainingJobInput): IVolume[] {
  return [
    // Containers get 64 MiB of /dev/shm by default; DataLoader workers and NCCL need far more.
    { name: SHM_VOLUME, emptyDir: { medium: "Memory", sizeLimit: mebibytes(input.sizing.shmMiB) } },
    { name: LAUNCHER_VOLUME, configMap: { name: input.names.launcherConfigMap, defaultMode: LAUNCHER_FILE_MODE } },
    ...input.volumes.podVolumes,
    ...additions(input).volumes,
  ];
}

/** Workdir and secretEnv volumes and variables; their objects are named after the experiment, not the run. */
function additions(input: TrainingJobInput): PodAdditions {
  return podAdditions({ job: input.experiment.name, experiment: input.experiment, workdirSha256: input.workdirSha256 });
}

/** The pod every node of the run gets (one pod per node). */
export function trainingPodTemplate(input: TrainingJobInput, labels: Record<string, string>): IPodTemplateSpec {
  return {
    metadata: {
      labels,
      annotations: { [SAFE_TO_EVICT_ANNOTATION]: "false", ...additions(input).annotations },
    },
    spec: {
      restartPolicy: "Never",
      ...(input.runtimeClassName ? { runtimeClassName: input.runtimeClassName } : {}),
      // SIGTERM to SIGKILL for the pod; torchrun gives the script about 30 s of it to save
      // (plan/queueing.ts TORCHRUN_SHUTDOWN_SECONDS).
      terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
      // A hostPath output pins the run to the machine that holds its checkpoints (config/sources/host-path.ts).
      nodeSelector: { ...input.nodeSelector, ...pinned(input.experiment) },
      tolerations: [gpuToleration()],
      affinity: { ...healthyNodes(), ...oneNodeEach(input) },
      // API access only for the GPU health check, whose service account may do nothing but label
      // the node (k8s/gpu-health.ts). No service env vars: a Service named e.g. `master` in the
      // namespace would otherwise inject MASTER_PORT=tcp://... next to torchrun's variables.
      ...(input.serviceAccountName ? { serviceAccountName: input.serviceAccountName } : {}),
      automountServiceAccountToken: input.gpuHealth !== undefined,
      enableServiceLinks: false,
      containers: [trainer(input)],
      volumes: podVolumes(input),
    },
  };
}

/**
 * The pods of a multi-node run that take fewer GPUs than a node has, one per node: two ranks on
 * one instance share its network and PCIe, and a node loss takes both. Pod anti-affinity on the
 * run's own pods (label jobset.sigs.k8s.io/jobset-name, set by JobSet on every pod). Not JobSet's
 * exclusive-topology annotation: it places each child *Job* on a domain of its own and keeps that
 * Job's pods together there (jobset v0.12.0 pkg/webhooks/pod_webhook.go setExclusiveAffinities, exclusive
 * placement: pod affinity to its own job, anti-affinity to other jobs), and a run is one child Job.
 */
function oneNodeEach(input: TrainingJobInput): IAffinity {
  const { experiment } = input;
  if (experiment.nodes < 2 || input.nodeGpus === undefined || experiment.gpusPerNode >= input.nodeGpus) return {};
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { [JOBSET_NAME_LABEL]: input.names.job } }, topologyKey: HOSTNAME_LABEL }],
    },
  };
}

/**
 * Never a node whose GPU health check failed (the launcher labels it, config/launcher-exit-codes.ts):
 * the restart lands on another node, and the cluster autoscaler adds one from the pool if none is
 * free. The label stays until the node is gone or a person removes it.
 */
function healthyNodes(): IAffinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_UNHEALTHY_LABEL, operator: "DoesNotExist" }] }] },
    },
  };
}

/** The label JobSet puts on every pod of a JobSet: the JobSet's name (api/jobset/v1alpha2/jobset_types.go JobSetNameKey). */
const JOBSET_NAME_LABEL = "jobset.sigs.k8s.io/jobset-name";

function pinned(experiment: ExperimentSpec): Record<string, string> {
  const node = pinnedNode(sourceUses(experiment));
  return node === undefined ? {} : { [HOSTNAME_LABEL]: node };
}

/** Labels of the Job or JobSet object itself: the experiment's, plus the Kueue queue. */
export function runLabels(input: TrainingJobInput, labels: Record<string, string>): Record<string, string> {
  return {
    ...labels,
    ...(input.queueName ? { [QUEUE_NAME_LABEL]: input.queueName } : {}),
    ...(input.maxExecSeconds !== undefined ? { [MAX_EXEC_TIME_LABEL]: String(input.maxExecSeconds) } : {}),
  };
}

/** A single-node run: a batch/v1 Job of one pod. */
export function buildTrainingJob(input: TrainingJobInput): IJob {
  const { experiment, names } = input;
  const labels = experimentLabels(experiment.name, input.stack, "trainer");
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: names.job,
      namespace: input.namespace,
      labels: runLabels(input, labels),
      annotations: { ...AWAIT_ANNOTATIONS },
    },
    spec: {
      completions: experiment.nodes,
      parallelism: experiment.nodes,
      backoffLimit: experiment.maxDisruptionRestarts,
      // The whole run, scale-up and image pull included; then the Job fails and its pods stop.
      activeDeadlineSeconds: experiment.maxRunTimeMinutes * 60,
      podFailurePolicy: singleNodePodFailurePolicy(),
      // A replacement pod starts only once the old one has fully terminated and freed its GPUs.
      // Required to be Failed alongside a podFailurePolicy.
      podReplacementPolicy: "Failed",
      // No ttlSecondsAfterFinished: a Job deleted by a TTL would be re-created, and so re-run,
      // by the next `pulumi up --refresh`. A finished Job's pods hold no GPUs.
      // No `suspend`: Kueue's webhook suspends a Job carrying the queue label on creation
      // (site/content/en/docs/tasks/run/jobs.md at v0.19.2), and a `suspend: true` written here
      // would be re-applied over Kueue's admission by a later `pulumi up`.
      template: trainingPodTemplate(input, labels),
    },
  };
}
