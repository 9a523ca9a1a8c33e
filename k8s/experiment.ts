/**
 * Every in-cluster object of an experiment, built purely from the resolved stack and its plan:
 * launcher ConfigMap, PersistentVolumes and claims, the run (a Job on one node, a JobSet on
 * several, named after a hash of its spec: config/run-name.ts), and the IAM policy documents its
 * volumes need. The component only turns these into resources;
 * tests and golden files use this function directly, with no Pulumi runtime.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IPersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { ExperimentSpec, StackSpec } from "../config/spec";
import type { Plan } from "../plan/plan";
import { planNetwork } from "../plan/network";
import type { PoolPlan } from "../plan/pools";
import { buildTrainingJob } from "./job";
import { buildLauncherConfigMap } from "./launcher-configmap";
import { experimentNames } from "../config/names";
import { PodNetwork, podNetwork } from "./network";
import { PodSizing, sizePod } from "../plan/pod-sizing";
import { trainingRuntimeClass } from "./runtime-class";
import { AccessPolicy, accessPolicies } from "./access-policy";
import { JobSet, buildTrainingJobSet } from "./jobset";
import { EXPERIMENT_SERVICE_ACCOUNT, NamespaceObjects, buildNamespaceObjects, podSecurityLevel } from "./namespace";
import { CLUSTER_QUEUE } from "./cluster-queue";
import { runName } from "../config/run-name";
import type { ExperimentNames } from "../config/names";
import { buildVolumes } from "./volumes";
import { sourceUses } from "../config/sources";
import { ShippedWorkdir, buildSecretEnvSecret, buildWorkdirConfigMap } from "./workdir";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { SweepPoint } from "../config/sweep";

export interface ExperimentBuildInput {
  readonly stack: string;
  readonly experiment: ExperimentSpec;
  readonly pool: PoolPlan;
  /**
   * `repository@sha256:...` (plan.experiment.image.reference); for an image the stack builds, the
   * placeholder of plan/image-build.ts, which the TrainingExperiment component replaces.
   */
  readonly image: string;
  /** images/launcher/*.py, name → contents. */
  readonly launcherFiles: Readonly<Record<string, string>>;
  /** The stack's own namespace (plan.queueing.namespace, config/names.ts stackNamespace). */
  readonly namespace: string;
  /** The ClusterQueue the namespace's LocalQueue points at. @default CLUSTER_QUEUE (the one the owner stack creates) */
  readonly clusterQueue?: string;
  /** ARN partition of the S3 policy. @default "aws" */
  readonly partition?: string;
  /** The packed `experiment.workdir` (workdir/archive.ts), when the experiment has one. */
  readonly workdir?: ShippedWorkdir;
  /** The Kueue LocalQueue the run is submitted to; none: no queue label. */
  readonly queueName?: string;
  /** RuntimeClass of the training pods (k8s/runtime-class.ts). @default none */
  readonly runtimeClassName?: string;
  /** AWS region (`aws:region`), for the S3 volumes' `region` mount option. */
  readonly region?: string;
  /** How long workers of a multi-node run wait for pod 0 (plan.queueing.restart). */
  /** Kueue's limit on admitted time over all attempts, from experiment.budgetUSD (plan/budget.ts). */
  readonly maxExecSeconds?: number;
  readonly rendezvousTimeoutSeconds?: number;
  /**
   * Build the run under this name instead of `<experiment>-<spec hash>`: a run submitted outside
   * the stack (`npm run exec`, k8s/exec-run.ts), which must never share a name with the stack's.
   */
  readonly runName?: string;
  /** A run of a sweep (k8s/sweep.ts): its checkpoint directory is the point's. */
  readonly sweepPoint?: SweepPoint;
}

export interface ExperimentObjects {
  readonly configMap: IConfigMap;
  readonly persistentVolumes: readonly IPersistentVolume[];
  readonly persistentVolumeClaims: readonly IPersistentVolumeClaim[];
  /** Single-node runs: a batch/v1 Job. */
  readonly job?: IJob;
  /** Multi-node runs: a JobSet (k8s/jobset.ts). */
  readonly jobSet?: JobSet;
  /** The run's object name, `<experiment>-<spec hash>`: the Job's or the JobSet's. */
  readonly runName: string;
  /** Inline policies for the volume drivers' roles (config/sources/, `iam`); none without such volumes. */
  readonly accessPolicies: readonly AccessPolicy[];
  readonly sizing: PodSizing;
  readonly network: PodNetwork;
  /** The workdir archive, when the experiment ships one. */
  readonly workdirConfigMap?: IConfigMap;
  /** The Secret of `secretEnv` without its values, when there are any. */
  readonly secretEnv?: ISecret;
  /** The stack's namespace, its ServiceAccount, LocalQueue and network policies (k8s/namespace.ts). */
  readonly namespace: NamespaceObjects;
}

/** The experiment's pool in the plan (the rules guarantee it exists). */
export function experimentPool(spec: StackSpec, plan: Plan): PoolPlan {
  const pool = plan.pools.find((p) => p.name === spec.experiment?.pool);
  if (!pool) throw new Error(`unreachable: experiment pool ${spec.experiment?.pool} is not in the plan`);
  return pool;
}

function sizingInput(experiment: ExperimentSpec, pool: PoolPlan) {
  return { gpusPerNode: experiment.gpusPerNode, nodeGpus: pool.nodeGpus, instance: pool.instance, shmGiB: experiment.shmGiB };
}

export function experimentInput(spec: StackSpec, plan: Plan, launcherFiles: Readonly<Record<string, string>>, workdir?: ShippedWorkdir): ExperimentBuildInput {
  if (!spec.experiment || !plan.experiment) throw new Error("experimentInput needs a stack with an experiment");
  return {
    stack: spec.stack,
    experiment: spec.experiment,
    pool: experimentPool(spec, plan),
    image: plan.experiment.image.reference,
    launcherFiles,
    workdir,
    namespace: plan.queueing.namespace,
    clusterQueue: plan.queueing.clusterQueue,
    queueName: plan.queueing.localQueue,
    runtimeClassName: trainingRuntimeClass(spec, experimentPool(spec, plan).kind),
    region: spec.region,
    rendezvousTimeoutSeconds: plan.queueing.restart?.rendezvousTimeoutSeconds,
    maxExecSeconds: plan.experiment?.budget?.maxExecSeconds,
  };
}

/**
 * Where the run keeps its checkpoints: the experiment's directory on the output volume, so a run
 * changed by an edit resumes from the experiment's last state; with `freshStart`, a directory of
 * the run's own under it, so it starts from step 0. A sweep's run has the directory of its point
 * (`sweep/<point id>`), which an edit of the rest of the experiment keeps.
 */
export function checkpointDir(experiment: ExperimentSpec, run: string, point?: SweepPoint): string | undefined {
  if (!experiment.output) return undefined;
  const experimentDir = `${experiment.output.mountPath.replace(/\/+$/, "")}/checkpoints/${experiment.name}`;
  const base = point ? `${experimentDir}/sweep/${point.id}` : experimentDir;
  return experiment.freshStart ? `${base}/runs/${run}` : base;
}

/**
 * Where each rank's log is kept when torchrun ends (images/launcher/keep_logs.py): the run's own
 * directory on the output volume, `<output>/logs/<experiment>/<run>/<pod>/`, so that `npm run logs`
 * finds it after the pods, or the whole cluster, are gone.
 */
export function rankLogsDir(experiment: ExperimentSpec, run: string): string | undefined {
  if (!experiment.output) return undefined;
  return `${experiment.output.mountPath.replace(/\/+$/, "")}/logs/${experiment.name}/${run}`;
}

export function buildExperimentObjects(input: ExperimentBuildInput): ExperimentObjects {
  const { experiment, pool, stack } = input;
  const namespace = input.namespace;
  const names = experimentNames(experiment);
  const sized = sizePod(sizingInput(experiment, pool));
  if (!sized.ok) throw new Error(`experiment.shmGiB: ${sized.problem}`);
  const network = podNetwork({
    nodes: experiment.nodes,
    gpusPerNode: experiment.gpusPerNode,
    nodeGpus: pool.nodeGpus,
    instance: pool.instance,
    efaInterfaces: pool.efaInterfaces,
    mode: planNetwork(experiment, pool).mode,
  });
  const uses = sourceUses(experiment);
  const volumes = buildVolumes(uses, { experiment: experiment.name, stack, namespace, objectName: names.volume, region: input.region });
  const runObject = (run: string) => {
    const runNames: ExperimentNames = { ...names, job: run, service: run };
    const jobInput = {
      names: runNames,
      namespace,
      stack,
      experiment,
      image: input.image,
      nodeSelector: pool.nodeSelector,
      sizing: sized.sizing,
      network,
      volumes,
      workdirSha256: input.workdir?.sha256,
      queueName: input.queueName,
      checkpointDir: checkpointDir(experiment, run, input.sweepPoint),
      rankLogsDir: rankLogsDir(experiment, run),
      runtimeClassName: input.runtimeClassName,
      rendezvousTimeoutSeconds: input.rendezvousTimeoutSeconds,
      nodeGpus: pool.nodeGpus,
      maxExecSeconds: input.maxExecSeconds,
      gpuHealth: experiment.gpuHealthCheck ? pool.gpu : undefined,
      serviceAccountName: EXPERIMENT_SERVICE_ACCOUNT,
    };
    return experiment.nodes > 1 ? { jobSet: buildTrainingJobSet(jobInput) } : { job: buildTrainingJob(jobInput) };
  };
  // Hash the spec as built under the bare experiment name, then build it under the hashed name.
  const draft = runObject(experiment.name);
  const name = input.runName ?? runName(experiment.name, (draft.job ?? draft.jobSet)!.spec, { queue: input.queueName, maxExecSeconds: input.maxExecSeconds });
  return {
    configMap: buildLauncherConfigMap({ name: names.launcherConfigMap, namespace, experiment: experiment.name, stack, files: input.launcherFiles }),
    persistentVolumes: volumes.persistentVolumes,
    persistentVolumeClaims: volumes.persistentVolumeClaims,
    ...runObject(name),
    runName: name,
    // The Secret is named after the experiment, not the run: a changed spec gets a new run, not a
    // new Secret. The workdir ConfigMap is named after its archive (k8s/workdir.ts).
    workdirConfigMap: input.workdir ? buildWorkdirConfigMap({ job: names.job, namespace, experiment: experiment.name, stack, workdir: input.workdir }) : undefined,
    secretEnv: experiment.secretEnv.length > 0 ? buildSecretEnvSecret({ job: names.job, namespace, experiment: experiment.name, stack }) : undefined,
    accessPolicies: accessPolicies(uses, input.partition),
    namespace: buildNamespaceObjects({
      namespace,
      stack,
      queue: input.queueName ? { name: input.queueName, clusterQueue: input.clusterQueue ?? CLUSTER_QUEUE } : undefined,
      egressAllow: experiment.egress?.allow,
      podSecurity: podSecurityLevel(uses.some((u) => u.source.type === "hostPath")),
      gpuHealthCheck: experiment.gpuHealthCheck,
    }),
    sizing: sized.sizing,
    network,
  };
}
