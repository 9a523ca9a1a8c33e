/**
 * The queueing part of the plan: which LocalQueue the run goes to and who creates it, how long
 * Kueue waits for a run's pods to be ready before it takes the GPUs back (and what that wait
 * costs), and how a run restarts. Pure; read by the plan text and by the k8s builders.
 */
import type { StackSpec } from "../config/spec";
import { DEFAULT_PODS_READY_MAX_MINUTES } from "../config/queueing";
import { costFor } from "./cost";
import type { PoolPlan } from "./pools";

/**
 * Expected minutes from a run's admission to a pod on a node that scaled up from zero: the
 * cluster-autoscaler sees the pending pod within its 10 s scan interval
 * (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md, "What are the
 * parameters to CA?"), then EC2 launches and boots the GPU instance, the AL2023 NVIDIA AMI loads
 * the driver, the node joins and the device plugin advertises its GPUs. Our estimate, not a
 * measurement: large GPU types (p4d, p5) are the slow end. Hybrid and existing machines are
 * already running, so they add nothing.
 */
export const SCALE_UP_MINUTES = { managed: 7, hybrid: 0, existing: 0 } as const;
/**
 * Expected minutes to pull and unpack a PyTorch CUDA runtime image (several GB compressed) on a
 * fresh node. Our estimate; a node that already has the image starts at once
 * (imagePullPolicy IfNotPresent).
 */
export const IMAGE_PULL_MINUTES = 5;
/** Room above the expectation before a start counts as stuck. */
export const PODS_READY_MARGIN = 1.5;
/**
 * Kueue's default backoff cap between requeues (BackoffMaxSeconds, default 3600):
 * https://github.com/kubernetes-sigs/kueue/blob/v0.19.2/apis/config/v1beta2/configuration_types.go
 */
export const REQUEUE_BACKOFF_MAX_SECONDS = 3600;
/**
 * Seconds a training pod has between SIGTERM and SIGKILL: EC2 gives a Spot Instance a two-minute
 * interruption notice (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html),
 * and the node is drained within it (Kubernetes' default grace is 30 s). The training script itself
 * gets less: see TORCHRUN_SHUTDOWN_SECONDS.
 */
export const TERMINATION_GRACE_SECONDS = 120;
/**
 * Seconds the training script has to save after SIGTERM. The kubelet signals PID 1, the launcher,
 * which passes it to torchrun (images/launcher/supervise.py); torchrun's agent passes SIGTERM to its workers and SIGKILLs any still alive
 * after a fixed 30 s, whatever the pod's grace period (pytorch/pytorch
 * torch/distributed/elastic/multiprocessing/api.py, PContext.close(death_sig, timeout=30), called
 * without a timeout by LocalElasticAgent._shutdown in torch/distributed/elastic/agent/server/
 * local_elastic_agent.py; the same in torch 1.13).
 */
export const TORCHRUN_SHUTDOWN_SECONDS = 30;

/**
 * Seconds a worker of a multi-node run waits beyond Kueue's waitForPodsReady timeout for pod 0
 * (the launcher's --wait-seconds and torchrun's rendezvous timeout): Kueue, not the worker, must be
 * the one to give up on a slow start, or a worker whose node came first fails the run as a
 * training failure while pod 0 is still legitimately starting. Kueue evicts the whole run at its
 * timeout anyway, so a longer wait costs nothing.
 */
export const RENDEZVOUS_MARGIN_SECONDS = 120;
/**
 * Where the cluster's own Kueue decides (queueing.install false) its timeout is unknown here: wait as
 * long as the longest timeout a stack may configure (config/queueing.ts, podsReadyTimeoutMinutes).
 */
export const UNKNOWN_PODS_READY_MINUTES = 240;

/** How long a worker waits for pod 0: Kueue's waitForPodsReady timeout plus a margin. */
export function rendezvousTimeoutSeconds(podsReady: Pick<PodsReadyPlan, "timeoutMinutes"> | undefined): number {
  return (podsReady?.timeoutMinutes ?? UNKNOWN_PODS_READY_MINUTES) * 60 + RENDEZVOUS_MARGIN_SECONDS;
}

export interface PodsReadyPlan {
  readonly timeoutMinutes: number;
  /** Expected minutes to ready pods on the slowest pool: scale-up + image pull. */
  readonly expectedMinutes: number;
  readonly source: "derived" | "configured";
  readonly requeueLimit: number;
  readonly backoffBaseSeconds: number;
  readonly backoffMaxSeconds: number;
}

export interface RestartPlan {
  readonly kind: "Job" | "JobSet";
  /** Restarts of the whole run after a training failure (JobSet only; a Job fails at once). */
  readonly maxRestarts: number;
  /** Restarts after node disruptions: a Job's backoffLimit; a JobSet fails once its restarts pass maxRestarts + this. */
  readonly maxDisruptionRestarts: number;
  readonly terminationGraceSeconds: number;
  /** Seconds the script has to save after SIGTERM before torchrun kills it (TORCHRUN_SHUTDOWN_SECONDS). */
  readonly saveSeconds: number;
  /** How long workers of a multi-node run wait for pod 0 (rendezvousTimeoutSeconds). */
  readonly rendezvousTimeoutSeconds: number;
  /** Environment variable the training command reads its checkpoint directory from, when the run has an output volume. */
  readonly checkpointEnv?: string;
  /** The run's checkpoint directory is its own (experiment.freshStart), not the experiment's. */
  readonly freshStart: boolean;
  /** Each pod measures its GPUs before training (experiment.gpuHealthCheck). */
  readonly gpuHealthCheck: boolean;
}

export interface QueuePlan {
  readonly localQueue: string;
  /** The experiment stack's own namespace (config/names.ts stackNamespace), where its LocalQueue and runs live. */
  readonly namespace: string;
  /** The cluster's own ClusterQueue (queueing.install false); undefined: the one the owner stack creates. */
  readonly clusterQueue?: string;
  /** The stack whose `pulumi up` creates the queue; undefined: the cluster's own Kueue. */
  readonly ownerStack?: string;
  readonly installedHere: boolean;
  /** Undefined where the cluster's own Kueue decides (queueing.install false). */
  readonly podsReady?: PodsReadyPlan;
  /**
   * Node cost of one stuck start (a whole timeout) and of every attempt until deactivation: the
   * attempts, the nodes left idle during each requeue backoff (until re-admission or scale-down,
   * whichever comes first) and the scale-down tail after the last eviction.
   */
  readonly stuckStartCost?: { readonly perAttempt: number; readonly allAttempts: number; readonly idleMinutes: number };
  readonly restart?: RestartPlan;
}

/** Environment variable of the checkpoint contract (docs/training-job.md, "Restarts resume"). */
export const CHECKPOINT_ENV = "GTC_CHECKPOINT_DIR";

export function expectedReadyMinutes(pools: readonly Pick<PoolPlan, "kind">[]): number {
  const scaleUp = Math.max(0, ...pools.map((p) => SCALE_UP_MINUTES[p.kind]));
  return scaleUp + IMAGE_PULL_MINUTES;
}

export function podsReadyPlan(spec: StackSpec, pools: readonly PoolPlan[]): PodsReadyPlan | undefined {
  const q = spec.queueing;
  if (!q.ownerStack) return undefined;
  const expectedMinutes = expectedReadyMinutes(pools);
  const derived = Math.min(DEFAULT_PODS_READY_MAX_MINUTES, Math.ceil(expectedMinutes * PODS_READY_MARGIN));
  return {
    timeoutMinutes: q.podsReadyTimeoutMinutes ?? derived,
    expectedMinutes,
    source: q.podsReadyTimeoutMinutes === undefined ? "derived" : "configured",
    requeueLimit: q.requeueLimit,
    backoffBaseSeconds: q.requeueBackoffBaseSeconds,
    backoffMaxSeconds: REQUEUE_BACKOFF_MAX_SECONDS,
  };
}

/**
 * Minutes the nodes of a run evicted for a stuck start stay billed outside its attempts. After each
 * eviction its pods are gone but its nodes stay until the requeued run is admitted again (the
 * backoff: base x 2^(n-1), capped; Kueue adds a small jitter, pkg/util/wait/backoff.go at v0.19.2)
 * or until the autoscaler removes them (`scaleDownMinutes`, plan/plan.ts NodeScaleDown.boundMinutes),
 * whichever is first; after the last eviction the run is deactivated and they stay until scale-down.
 */
export function stuckStartIdleMinutes(podsReady: PodsReadyPlan, scaleDownMinutes: number): number {
  let minutes = scaleDownMinutes;
  for (let n = 1; n <= podsReady.requeueLimit; n++) {
    const backoffSeconds = Math.min(podsReady.backoffBaseSeconds * 2 ** (n - 1), podsReady.backoffMaxSeconds);
    minutes += Math.min(backoffSeconds / 60, scaleDownMinutes);
  }
  return minutes;
}

/**
 * `scaleDownMinutes`: the longest a GPU node outlives its last pod (plan/plan.ts planIdle); 0 where
 * this project runs no autoscaler (an existing cluster's nodes have no price here anyway).
 */
export function planQueueing(spec: StackSpec, pools: readonly PoolPlan[], namespace: string, experimentCostPerHour?: number, scaleDownMinutes = 0): QueuePlan {
  const q = spec.queueing;
  const podsReady = podsReadyPlan(spec, pools);
  const e = spec.experiment;
  const perAttempt = podsReady && experimentCostPerHour !== undefined ? costFor(experimentCostPerHour, podsReady.timeoutMinutes) : undefined;
  const idleMinutes = podsReady ? stuckStartIdleMinutes(podsReady, scaleDownMinutes) : 0;
  return {
    localQueue: q.localQueue,
    namespace,
    ...(q.clusterQueue !== undefined ? { clusterQueue: q.clusterQueue } : {}),
    ownerStack: q.ownerStack,
    installedHere: q.installedHere,
    podsReady,
    stuckStartCost:
      perAttempt === undefined
        ? undefined
        : { perAttempt, allAttempts: Math.round((perAttempt * (podsReady!.requeueLimit + 1) + costFor(experimentCostPerHour!, idleMinutes)) * 100) / 100, idleMinutes },
    restart: e && {
      kind: e.nodes > 1 ? "JobSet" : "Job",
      maxRestarts: e.nodes > 1 ? e.maxRestarts : 0,
      maxDisruptionRestarts: e.maxDisruptionRestarts,
      terminationGraceSeconds: TERMINATION_GRACE_SECONDS,
      saveSeconds: TORCHRUN_SHUTDOWN_SECONDS,
      rendezvousTimeoutSeconds: rendezvousTimeoutSeconds(podsReady),
      checkpointEnv: e.output ? CHECKPOINT_ENV : undefined,
      freshStart: e.freshStart,
      gpuHealthCheck: e.gpuHealthCheck,
    },
  };
}
