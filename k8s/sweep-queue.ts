/**
 * How `experiment.sweep.maxParallel` is enforced: by Kueue's quota, not by a tool that submits
 * runs one by one. The sweep gets a ClusterQueue of its own with no quota (nominalQuota 0) in the
 * cohort of the cluster's ClusterQueue (k8s/cluster-queue.ts), allowed to borrow at most
 * `maxParallel` runs' worth of GPUs from it, and a LocalQueue its runs are submitted to. All the
 * runs are created at once; Kueue keeps them suspended and admits the next one as an earlier one
 * finishes. A borrowing ClusterQueue may use unused nominal quota of the others in its cohort up to
 * its `borrowingLimit` (site/content/en/docs/concepts/cluster_queue.md, "BorrowingLimit", kueue
 * v0.19.2); the limit needs a cohort (CRD rule "borrowingLimit must be nil when cohort is empty").
 * CPU and memory carry no limit of their own: the GPU limit bounds the runs, and the cohort's
 * total bounds the rest. Kueue's default `reclaimWithinCohort: Never` leaves an admitted sweep run
 * alone when the cluster queue's own runs arrive; they wait, as behind any run.
 */
import type { PoolPlan } from "../plan/pools";
import { CLUSTER_COHORT, COVERED_RESOURCES, ClusterQueue, flavorQuota } from "./cluster-queue";
import { GPU_RESOURCE } from "./job";
import { LocalQueue, buildLocalQueue } from "./local-queue";
import { KUEUE_API_VERSION, queueLabels } from "./resource-flavor";
import { sweepQueueName } from "../config/sweep";

export interface SweepQueueInput {
  readonly experiment: string;
  readonly namespace: string;
  readonly pool: Pick<PoolPlan, "name" | "instance" | "nodeGpus" | "maxNodes">;
  /** GPUs one run holds: nodes x GPUs per node. */
  readonly gpusPerRun: number;
  readonly maxParallel: number;
}

export interface SweepQueue {
  readonly clusterQueue: ClusterQueue;
  readonly localQueue: LocalQueue;
}

export function buildSweepQueue(input: SweepQueueInput): SweepQueue {
  const name = sweepQueueName(input.experiment);
  const flavor = flavorQuota(input.pool);
  const clusterQueue: ClusterQueue = {
    apiVersion: KUEUE_API_VERSION,
    kind: "ClusterQueue",
    metadata: { name, labels: queueLabels() },
    spec: {
      cohortName: CLUSTER_COHORT,
      namespaceSelector: {},
      queueingStrategy: "BestEffortFIFO",
      resourceGroups: [
        {
          coveredResources: [...COVERED_RESOURCES],
          flavors: [
            {
              name: flavor.name,
              resources: COVERED_RESOURCES.map((r) => ({
                name: r,
                nominalQuota: "0",
                ...(r === GPU_RESOURCE ? { borrowingLimit: String(input.gpusPerRun * input.maxParallel) } : {}),
              })),
            },
          ],
        },
      ],
    },
  };
  return { clusterQueue, localQueue: buildLocalQueue({ name, namespace: input.namespace, clusterQueue: name }) };
}
