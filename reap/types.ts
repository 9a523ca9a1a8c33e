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
}

export type JobOutcome = "running" | "succeeded" | "failed" | "suspended";

/** A Job whose pod template requests `nvidia.com/gpu`. */
export interface GpuJob {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: JobOutcome;
  /** Completion or failure time; undefined while it runs. */
  readonly finishedAt?: Date;
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
}

export interface KubeConnector {
  /** A view of the cluster a kubeconfig (YAML or JSON text) points at. */
  connect(kubeconfig: string): Promise<KubeView>;
}

export type KubeProblem = "unreachable" | "unauthorized" | "forbidden" | "invalid-kubeconfig" | "other";

/** Why a cluster's activity could not be read; the message says what to check. */
export class KubeAccessError extends Error {
  constructor(readonly problem: KubeProblem, message: string) {
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

export interface PulumiWorkspace {
  listStacks(): Promise<DeployedStack[]>;
  /** Stack outputs with secrets revealed (the reaper needs the kubeconfig). */
  outputs(stack: string): Promise<Record<string, unknown>>;
  resources(stack: string): Promise<StackResource[]>;
  /** `pulumi destroy` of the stack, plain: no targets, no excludes. */
  destroy(stack: string): Promise<void>;
}

export function shortName(stack: string): string {
  return stack.split("/").pop()!;
}
