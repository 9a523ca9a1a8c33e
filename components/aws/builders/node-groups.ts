/**
 * What a managed GPU node group looks like, as plain data: its labels and taint (in the EKS API's
 * spelling), the Auto Scaling group tags cluster-autoscaler needs to scale it up from zero, and
 * whether it gets EFA.
 */
import type { InstanceSpec } from "../../../catalog/instances";
import { GPU_TAINT, gpuNodeLabels } from "../../../config/names";
import type { PoolPlan } from "../../../plan/pools";
import { autoscalerDiscoveryTags } from "./iam";

/**
 * cluster-autoscaler's AWS provider treats a node with this label as a GPU node, so it waits for
 * the device plugin to advertise the GPUs instead of scaling up again in the meantime.
 * https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#special-note-on-gpu-instances
 */
export const ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator";
/** On nodes with EFA interfaces: selects them for the EFA device plugin. */
export const EFA_LABEL = "gpu-training-clusters.io/efa";
/** On the CPU system nodes: the autoscaler and other controllers run there. */
export const ROLE_LABEL = "gpu-training-clusters.io/role";
export const SYSTEM_NODE_LABELS = { [ROLE_LABEL]: "system" } as const;
/** The resource the EFA device plugin advertises, one per EFA interface. */
export const EFA_RESOURCE = "vpc.amazonaws.com/efa";
export const GPU_RESOURCE = "nvidia.com/gpu";

/** The EKS API spells taint effects differently from Kubernetes. */
const EKS_TAINT_EFFECT = { NoSchedule: "NO_SCHEDULE", NoExecute: "NO_EXECUTE", PreferNoSchedule: "PREFER_NO_SCHEDULE" } as const;

export function eksTaint(taint: { key: string; value: string; effect: keyof typeof EKS_TAINT_EFFECT }) {
  return { key: taint.key, value: taint.value, effect: EKS_TAINT_EFFECT[taint.effect] };
}

export const GPU_NODE_TAINT = eksTaint(GPU_TAINT);

/** Whether the pool's nodes get EFA interfaces; the plan decides (PoolPlan.efaInterfaces). */
export function usesEfa(pool: PoolPlan): boolean {
  return pool.efaInterfaces > 0;
}

export function managedNodeLabels(pool: PoolPlan): Record<string, string> {
  return {
    ...gpuNodeLabels(pool),
    [ACCELERATOR_LABEL]: pool.gpu,
    ...(usesEfa(pool) ? { [EFA_LABEL]: "true" } : {}),
  };
}

/**
 * Tags for the node group's Auto Scaling group. EKS does not copy node group tags to it, and a
 * group at zero nodes has no node to learn labels, taints and extended resources from, so the
 * autoscaler reads them from these tags (format: cluster-autoscaler AWS README, "Auto-Discovery
 * Setup"). The discovery tags make the group one the autoscaler manages, and scope its IAM policy.
 */
export function scaleFromZeroTags(pool: PoolPlan, instance: InstanceSpec, clusterName: string): Record<string, string> {
  const prefix = "k8s.io/cluster-autoscaler/node-template";
  const tags: Record<string, string> = { ...autoscalerDiscoveryTags(clusterName) };
  for (const [k, v] of Object.entries(managedNodeLabels(pool))) tags[`${prefix}/label/${k}`] = v;
  tags[`${prefix}/taint/${GPU_TAINT.key}`] = `${GPU_TAINT.value}:${GPU_TAINT.effect}`;
  tags[`${prefix}/resources/${GPU_RESOURCE}`] = String(instance.gpus);
  if (usesEfa(pool)) tags[`${prefix}/resources/${EFA_RESOURCE}`] = String(instance.efaInterfaces);
  return tags;
}

/** A tag key as a Pulumi resource name suffix. */
export function tagSlug(key: string): string {
  return key
    .replace(/^k8s\.io\/cluster-autoscaler\//, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
}
