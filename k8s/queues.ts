/**
 * Every cluster-wide queueing object a cluster stack creates, from its plan: the Kueue and JobSet
 * chart values, a ResourceFlavor per pool and the ClusterQueue (each experiment stack creates its
 * LocalQueue in its own namespace: k8s/namespace.ts). Pure; the
 * component (components/queueing.ts) only turns them into resources.
 */
import type { Plan } from "../plan/plan";
import { ClusterQueue, buildClusterQueue } from "./cluster-queue";
import { JobSetValues, jobSetValues } from "./jobset-release";
import { KueueValues, kueueValues } from "./kueue-release";
import { ResourceFlavor, buildResourceFlavor } from "./resource-flavor";

export interface QueueObjects {
  readonly kueueValues: KueueValues;
  readonly jobSetValues: JobSetValues;
  readonly resourceFlavors: readonly ResourceFlavor[];
  readonly clusterQueue: ClusterQueue;
}

/** Undefined when this stack installs no queueing (a reuse stack, or the cluster's own Kueue). */
export function buildQueueObjects(plan: Plan): QueueObjects | undefined {
  const q = plan.queueing;
  if (!q.installedHere || !q.podsReady) return undefined;
  return {
    kueueValues: kueueValues(q.podsReady),
    jobSetValues: jobSetValues(),
    resourceFlavors: plan.pools.map(buildResourceFlavor),
    clusterQueue: buildClusterQueue(plan.pools),
  };
}
