/**
 * A Kueue ResourceFlavor per GPU pool (kueue.x-k8s.io/v1beta2, storage version of the CRD at
 * v0.19.2, config/components/crd/bases/kueue.x-k8s.io_resourceflavors.yaml). Kueue admits a run
 * onto a flavor only if the run's pods can land on its nodes: `nodeLabels` are the pool's node
 * selector, `nodeTaints` the GPU taint our pools carry (checked against the pods' tolerations), and
 * `tolerations` are added to every pod admitted onto the flavor.
 * https://kueue.sigs.k8s.io/docs/concepts/resource_flavor/
 */
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { PoolPlan } from "../plan/pools";
import { PART_OF } from "./labels";
import { GPU_TAINT } from "../config/names";
import { gpuToleration } from "./scheduling";

export const KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2";

export interface ResourceFlavor {
  readonly apiVersion: typeof KUEUE_API_VERSION;
  readonly kind: "ResourceFlavor";
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly spec: {
    readonly nodeLabels: Record<string, string>;
    readonly nodeTaints?: { key: string; value: string; effect: string }[];
    readonly tolerations: IToleration[];
  };
}

/** Cluster-scoped; one per pool of the cluster. */
export function resourceFlavorName(pool: string): string {
  return `gtc-${pool}`;
}

export function queueLabels(): Record<string, string> {
  return { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/component": "queue" };
}

export function buildResourceFlavor(pool: Pick<PoolPlan, "name" | "kind" | "nodeSelector">): ResourceFlavor {
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "ResourceFlavor",
    metadata: { name: resourceFlavorName(pool.name), labels: queueLabels() },
    spec: {
      nodeLabels: { ...pool.nodeSelector },
      // Our managed and hybrid GPU nodes carry the GPU taint; nodes of an existing cluster may not.
      ...(pool.kind === "existing" ? {} : { nodeTaints: [{ ...GPU_TAINT }] }),
      tolerations: [gpuToleration()],
    },
  };
}
