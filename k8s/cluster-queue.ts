/**
 * The cluster's Kueue ClusterQueue (kueue.x-k8s.io/v1beta2; CRD
 * config/components/crd/bases/kueue.x-k8s.io_clusterqueues.yaml at v0.19.2). One resource group
 * covering GPUs, CPU and memory, one flavor per pool, each quota what the pool has at its maximum
 * size: a run is admitted only when the nodes it needs can exist, and runs beyond that wait in
 * order instead of each holding part of a pool.
 * https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/
 */
import type { PoolPlan } from "../plan/pools";
import { GPU_RESOURCE } from "./job";
import { MIB_PER_GIB, sizePod } from "../plan/pod-sizing";
import { mebibytes } from "./quantities";
import { KUEUE_API_VERSION, queueLabels, resourceFlavorName } from "./resource-flavor";

export const CLUSTER_QUEUE = "gtc-gpu";
/**
 * The cohort of the cluster's ClusterQueue: a sweep's own ClusterQueue (k8s/sweep-queue.ts) joins
 * it to borrow the cluster's quota, so that both draw on the one quota the pools have. Adding it
 * to a running cluster's queue is an in-place update: on update Kueue's webhook holds immutable
 * only the queueing strategy (older releases) or concurrentAdmissionPolicy (newer ones), not the
 * cohort (pkg/webhooks/clusterqueue_webhook.go, ValidateClusterQueueUpdate).
 */
export const CLUSTER_COHORT = CLUSTER_QUEUE;
/** The resources every flavor covers, in the CRD's order-insensitive list; one group for all pools. */
export const COVERED_RESOURCES = ["cpu", "memory", GPU_RESOURCE] as const;

export interface FlavorQuota {
  readonly name: string;
  readonly resources: { readonly name: string; readonly nominalQuota: string; readonly borrowingLimit?: string }[];
}

export interface ClusterQueue {
  readonly apiVersion: typeof KUEUE_API_VERSION;
  readonly kind: "ClusterQueue";
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly spec: {
    readonly cohortName: string;
    readonly namespaceSelector: Record<string, never>;
    readonly queueingStrategy: "BestEffortFIFO" | "StrictFIFO";
    readonly resourceGroups: { readonly coveredResources: string[]; readonly flavors: FlavorQuota[] }[];
  };
}

/**
 * CPU (millicores) and memory (MiB) of one node of the pool: the catalog's instance size for EC2
 * pools; for machines of unknown size, what our pods request on a whole node (plan/pod-sizing.ts).
 */
export function nodeCapacity(pool: Pick<PoolPlan, "instance" | "nodeGpus">): { cpuMilli: number; memoryMiB: number } {
  if (pool.instance) return { cpuMilli: pool.instance.vcpus * 1000, memoryMiB: pool.instance.memoryGiB * MIB_PER_GIB };
  const sized = sizePod({ gpusPerNode: pool.nodeGpus, nodeGpus: pool.nodeGpus });
  if (!sized.ok) throw new Error(`unreachable: ${sized.problem}`);
  return { cpuMilli: sized.sizing.cpuMilli, memoryMiB: Math.max(sized.sizing.memoryRequestMiB, sized.sizing.memoryLimitMiB) };
}

export function flavorQuota(pool: Pick<PoolPlan, "name" | "instance" | "nodeGpus" | "maxNodes">): FlavorQuota {
  const node = nodeCapacity(pool);
  const quota: Record<(typeof COVERED_RESOURCES)[number], string> = {
    cpu: String((node.cpuMilli * pool.maxNodes) / 1000),
    memory: mebibytes(node.memoryMiB * pool.maxNodes),
    [GPU_RESOURCE]: String(pool.nodeGpus * pool.maxNodes),
  };
  return { name: resourceFlavorName(pool.name), resources: COVERED_RESOURCES.map((name) => ({ name, nominalQuota: quota[name] })) };
}

export function buildClusterQueue(pools: readonly Pick<PoolPlan, "name" | "instance" | "nodeGpus" | "maxNodes">[]): ClusterQueue {
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "ClusterQueue",
    metadata: { name: CLUSTER_QUEUE, labels: queueLabels() },
    spec: {
      cohortName: CLUSTER_COHORT,
      // Every namespace's LocalQueues may point here; ours is the training namespace's.
      namespaceSelector: {},
      // A run that does not fit now does not block smaller ones behind it (the CRD's default, written out).
      queueingStrategy: "BestEffortFIFO",
      resourceGroups: [{ coveredResources: [...COVERED_RESOURCES], flavors: pools.map(flavorQuota) }],
    },
  };
}
