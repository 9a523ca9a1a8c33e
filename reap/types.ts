import type { Leftover } from "./leftovers";

/**
 * The seams of `npm run reap`: what it reads from Kubernetes and from Pulumi, and the clock.
 * The real implementations (kube.ts over @kubernetes/client-node, workspace.ts over the
 * Automation API) and the test fakes implement the same interfaces, so every decision is tested
 * without a cluster or the Pulumi CLI.
 */

export interface Clock {
  now(): Date;
}

export const GPU_RESOURCE = "nvidia.com/gpu";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** A pod that requests `nvidia.com/gpu`. */
export interface GpuPod {
  readonly namespace: string;
  readonly name: string;
  readonly phase: PodPhase;
  readonly gpus: number;
  readonly nodeName?: string;
  /** When it ended (its last container's finish), for Succeeded and Failed pods. */
  readonly finishedAt?: Date;
  /** When it was created: how long a Pending pod has waited. */
  readonly createdAt?: Date;
  /** Why a Pending pod's container waits (ImagePullBackOff, ...), or why it is unschedulable. */
  readonly waitingReason?: string;
  /** Its Job (label batch.kubernetes.io/job-name) and JobSet (label jobset.sigs.k8s.io/jobset-name). */
  readonly jobName?: string;
  readonly jobSetName?: string;
  /** Its own Kueue LocalQueue label (Kueue's pod integration). */
  readonly queueName?: string;
}

export type JobOutcome = "running" | "succeeded" | "failed" | "suspended";

/** A Job whose pod template requests `nvidia.com/gpu`. */
export interface GpuJob {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: JobOutcome;
  /** Completion or failure time; undefined while it runs. */
  readonly finishedAt?: Date;
  /** Its Kueue LocalQueue (label kueue.x-k8s.io/queue-name): Kueue keeps it suspended until admitted. */
  readonly queueName?: string;
  /** The JobSet that owns it: JobSet creates its child Jobs suspended while the JobSet is. */
  readonly jobSetName?: string;
  readonly createdAt?: Date;
}

/** A JobSet (jobset.x-k8s.io/v1alpha2) whose replicated Jobs request `nvidia.com/gpu`. */
export interface GpuJobSet {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: JobOutcome;
  readonly finishedAt?: Date;
  readonly queueName?: string;
  readonly createdAt?: Date;
}

/**
 * Where a Kueue Workload stands, as the reaper needs it:
 * - admitted: it holds quota (its pods run or wait for nodes);
 * - waiting: pending for quota or admission checks, or in the requeue backoff after an eviction;
 * - inadmissible: Kueue will not admit it until a person acts (deactivated, no flavor fits,
 *   more than the queue's maximum, no such queue, a stopped queue);
 * - finished: it ran to the end (Finished condition).
 */
export type WorkloadState = "admitted" | "waiting" | "inadmissible" | "finished";

/** Why a waiting Workload waits, in the words the report uses. */
export type WaitCause = "quota" | "capacity" | "backoff" | "admission-checks" | "queue-stopped" | "deactivated" | "no-flavor" | "over-max-quota" | "misconfigured" | "pending";

/** A Kueue Workload (kueue.x-k8s.io) of GPU work, reduced to what decides busy and idle. */
export interface QueuedWorkload {
  readonly namespace: string;
  readonly name: string;
  /** The Job or JobSet it was made for, e.g. "Job train" (its controller owner reference). */
  readonly owner?: string;
  readonly state: WorkloadState;
  readonly cause?: WaitCause;
  /** The Kueue condition reason and message behind `cause`. */
  readonly detail?: string;
  readonly createdAt?: Date;
  /** Since when it waits: its last requeue, else its creation. */
  readonly waitingSince?: Date;
  /** In backoff: when Kueue queues it again (status.requeueState.requeueAt), and how often it has. */
  readonly requeueAt?: Date;
  readonly requeueCount?: number;
  /** The Finished condition's time. */
  readonly finishedAt?: Date;
  /** The Evicted condition's time, when it was last evicted (its pods were deleted then). */
  readonly evictedAt?: Date;
}

/** A node with GPUs (capacity `nvidia.com/gpu`, or one of our GPU node labels). */
export interface GpuNode {
  readonly name: string;
  /** `node.kubernetes.io/instance-type`; absent on hybrid and on-premises machines. */
  readonly instanceType?: string;
  readonly gpus: number;
}

/** Read-only view of one cluster. Every method may throw a KubeAccessError. */
export interface KubeView {
  listGpuPods(): Promise<GpuPod[]>;
  listGpuJobs(): Promise<GpuJob[]>;
  listGpuNodes(): Promise<GpuNode[]>;
  /** JobSets; [] where the JobSet API is not served. */
  listGpuJobSets(): Promise<GpuJobSet[]>;
  /** Kueue Workloads of GPU work; [] where Kueue's API is not served. */
  listWorkloads(): Promise<QueuedWorkload[]>;
  /** What would outlive the cluster: EBS volumes of claims made outside the stack, LoadBalancer Services. */
  listLeftovers(): Promise<Leftover[]>;
}

export interface KubeConnector {
  /** A view of the cluster a kubeconfig (YAML or JSON text) points at. */
  connect(kubeconfig: string): Promise<KubeView>;
}

export type KubeProblem = "unreachable" | "unauthorized" | "forbidden" | "invalid-kubeconfig" | "other";

/** Why a cluster's activity could not be read; the message says what to check. */
export class KubeAccessError extends Error {
  /** `status`: the HTTP status the API server answered with, where it answered. */
  constructor(readonly problem: KubeProblem, message: string, readonly status?: number) {
    super(message);
    this.name = "KubeAccessError";
  }
}

/** A stack of this project as the Pulumi backend lists it. */
export interface DeployedStack {
  /** As the backend names it (possibly organization-qualified); `shortName` is the last segment. */
  readonly name: string;
  readonly lastUpdate?: Date;
  readonly updateInProgress: boolean;
  /** Resources in its state; 0 once it has been destroyed. */
  readonly resourceCount?: number;
}

/** One resource of a stack's state, as `pulumi stack export` has it. */
export interface StackResource {
  readonly type: string;
  readonly urn: string;
  readonly retainOnDelete: boolean;
  readonly protect: boolean;
  /** Read with Resource.get (e.g. the FSx file system the program looks up): destroy only forgets it. */
  readonly external?: boolean;
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/** One entry of `pulumi stack history`, newest first. */
export interface UpdateRecord {
  readonly kind: string;
  readonly result: "not-started" | "in-progress" | "succeeded" | "failed" | string;
  readonly startTime?: Date;
  readonly endTime?: Date;
}

export interface DestroyOptions {
  /**
   * The stack's cluster is gone: let the Kubernetes provider drop its objects from the state
   * instead of failing on the dead endpoint (PULUMI_K8S_DELETE_UNREACHABLE, pulumi-kubernetes
   * 3.30.2+, pulumi/pulumi-kubernetes#2489).
   */
  readonly clusterGone?: boolean;
}

export interface PulumiWorkspace {
  listStacks(): Promise<DeployedStack[]>;
  /** Stack outputs with secrets revealed (the reaper needs the kubeconfig). */
  outputs(stack: string): Promise<Record<string, unknown>>;
  resources(stack: string): Promise<StackResource[]>;
  /** The last `count` updates of the stack, newest first (an update in progress included, where the backend records it). */
  history(stack: string, count: number): Promise<UpdateRecord[]>;
  /** `pulumi destroy` of the stack, plain: no targets, no excludes; it goes on past a resource that fails. */
  destroy(stack: string, options?: DestroyOptions): Promise<void>;
}

export function shortName(stack: string): string {
  return stack.split("/").pop()!;
}
