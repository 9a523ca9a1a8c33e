/**
 * The LocalQueue experiments are submitted to (kueue.x-k8s.io/v1beta2; CRD
 * config/components/crd/bases/kueue.x-k8s.io_localqueues.yaml at v0.19.2): namespaced, pointing
 * at the cluster's ClusterQueue. A Job or JobSet names it in the label QUEUE_NAME_LABEL.
 * https://kueue.sigs.k8s.io/docs/concepts/local_queue/
 */
import { KUEUE_API_VERSION, queueLabels } from "./resource-flavor";

/** The label Kueue reads a workload's LocalQueue from (site/content/en/docs/tasks/run/jobs.md, v0.19.2). */
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";

export interface LocalQueue {
  readonly apiVersion: typeof KUEUE_API_VERSION;
  readonly kind: "LocalQueue";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly spec: { readonly clusterQueue: string };
}

export function buildLocalQueue(input: { name: string; namespace: string; clusterQueue: string }): LocalQueue {
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "LocalQueue",
    metadata: { name: input.name, namespace: input.namespace, labels: queueLabels() },
    spec: { clusterQueue: input.clusterQueue },
  };
}
