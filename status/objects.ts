/**
 * The Kubernetes objects `npm run status` reads, as the API serves them (JSON, times as RFC 3339
 * strings), reduced to the fields it uses, and the label and condition names it relies on, each
 * with its source. Pure: no I/O.
 */
import type { V1Job, V1Node, V1Pod } from "@kubernetes/client-node";

export type Pod = V1Pod;
export type Job = V1Job;
export type Node = V1Node;

/** Set by the Job controller on every pod of a Job (https://kubernetes.io/docs/reference/labels-annotations-taints/#batch-kubernetes-io-job-name). */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
/** The pre-1.27 spelling, still set alongside (same page, `job-name`). */
export const LEGACY_JOB_NAME_LABEL = "job-name";
/**
 * An Indexed Job pod's completion index: an annotation, and a label from Kubernetes 1.28
 * (https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode). Our node rank.
 */
export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
/** JobSet's labels on its Jobs and pods (kubernetes-sigs/jobset api/jobset/v1alpha2/jobset_types.go). */
export const JOBSET_NAME_LABEL = "jobset.sigs.k8s.io/jobset-name";
export const JOBSET_JOB_INDEX_LABEL = "jobset.sigs.k8s.io/job-index";
/** The EC2 instance type of a node (https://kubernetes.io/docs/reference/labels-annotations-taints/#nodekubernetesioinstance-type). */
export const INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type";
/** Its deprecated spelling, still set by some clusters (same page, beta.kubernetes.io/instance-type). */
export const BETA_INSTANCE_TYPE_LABEL = "beta.kubernetes.io/instance-type";
/** `hybrid` on EKS Hybrid Nodes (the Cilium values of https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-cni.html select on it; docs/hybrid-nodes.md). */
export const COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type";
/** The LocalQueue a Job is submitted to (kubernetes-sigs/kueue pkg/controller/constants/constants.go QueueLabel). */
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";
/** On a Workload: the UID of the Job it was created for (same file, JobUIDLabel). */
export const KUEUE_JOB_UID_LABEL = "kueue.x-k8s.io/job-uid";

/** A metav1.Condition (Workload, JobSet) or a JobCondition: the fields read here. */
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string | Date;
}

interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly creationTimestamp?: string | Date;
  readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string; readonly uid?: string }[];
}

/**
 * A JobSet (jobset.x-k8s.io/v1alpha2). Conditions Completed, Failed, Suspended
 * (kubernetes-sigs/jobset api/jobset/v1alpha2/jobset_types.go JobSetConditionType).
 */
export interface JobSet {
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly suspend?: boolean;
    readonly replicatedJobs?: readonly { readonly name?: string; readonly replicas?: number }[];
    readonly failurePolicy?: { readonly maxRestarts?: number };
  };
  /** restarts: every group restart; restartsCountTowardsMax: those maxRestarts counts (jobset_types.go JobSetStatus). */
  readonly status?: { readonly conditions?: readonly Condition[]; readonly restarts?: number; readonly restartsCountTowardsMax?: number };
}

/**
 * A Kueue Workload (kueue.x-k8s.io v1beta2, the storage version in Kueue 0.19; v1beta1 is still
 * served, deprecated: kubernetes-sigs/kueue apis/kueue/v1beta2/workload_types.go). Kueue creates
 * one per Job with the Job as controller owner reference and names it `<kind>-<job>-<hash>`
 * (pkg/controller/jobframework/reconciler.go, workload_names.go).
 */
export interface Workload {
  readonly metadata?: ObjectMeta;
  readonly spec?: { readonly queueName?: string; readonly active?: boolean };
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly admission?: { readonly clusterQueue?: string };
    /** Requeues after evictions (RequeueState.count). */
    readonly requeueState?: { readonly count?: number };
    /** Admitted seconds of the admissions before the current one (kueue v1beta2 WorkloadStatus). */
    readonly accumulatedPastExecutionTimeSeconds?: number;
  };
}

/**
 * One entry of Kueue's visibility API, `GET /apis/visibility.kueue.x-k8s.io/v1beta2/namespaces/<ns>/
 * localqueues/<queue>/pendingworkloads` (PendingWorkloadsSummary; kubernetes-sigs/kueue
 * apis/visibility/v1beta2/types.go). Positions count from 0.
 */
export interface PendingWorkload {
  readonly metadata?: ObjectMeta;
  readonly localQueueName?: string;
  readonly positionInClusterQueue?: number;
  readonly positionInLocalQueue?: number;
}

/** Everything read about one experiment's run: the input of the pure report. */
export interface RunObjects {
  readonly experiment: string;
  readonly namespace: string;
  /** Every Job and JobSet labelled with the experiment (older runs included), newest last. */
  readonly jobs: readonly Job[];
  readonly jobSets: readonly JobSet[];
  /** The pods of those Jobs / JobSets. */
  readonly pods: readonly Pod[];
  /** The nodes those pods run on, by name (absent when the node is gone). */
  readonly nodes: ReadonlyMap<string, Node>;
  /** The user may not read nodes (403): instance types and prices are unknown. */
  readonly nodesRefused?: boolean;
  /** Workloads in the namespace; the report picks the one of the run. */
  readonly workloads: readonly Workload[];
  /** Kueue's pending list of the run's LocalQueue, when it was read. */
  readonly pending?: readonly PendingWorkload[];
  /** Pod name → the start of its log with the kubelet's timestamps (rank 0's, for the start phases). */
  readonly startLogs?: ReadonlyMap<string, string>;
  /** Tails of pod logs, by pod name (rank 0's, and failed pods'). */
  readonly logs: ReadonlyMap<string, string>;
}

export function toDate(v: string | Date | undefined | null): Date | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c.type === type && c.status === "True");
}

export function labelsOf(o: { readonly metadata?: { readonly labels?: Record<string, string> } } | undefined): Record<string, string> {
  return o?.metadata?.labels ?? {};
}

export function created(o: { readonly metadata?: { readonly creationTimestamp?: string | Date } }): number {
  return toDate(o.metadata?.creationTimestamp)?.getTime() ?? 0;
}
