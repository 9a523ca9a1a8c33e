/**
 * Helm values of the cluster-wide services the AWS target installs: cluster-autoscaler and the
 * EFA device plugin. Plain data, so the tests read exactly what Helm gets.
 */
import { GPU_TAINT } from "../../../config/names";
import { autoscalerScaleDownArgs } from "../../../plan/plan";
import { EFA_LABEL, SYSTEM_NODE_LABELS } from "./node-groups";

export const AUTOSCALER_NAMESPACE = "kube-system";
/** Fixed so the Pod Identity association can name it before the chart exists. */
export const AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

export interface AutoscalerInput {
  readonly clusterName: string;
  readonly region: string;
  /** The stack's idle.nodeIdleMinutes. */
  readonly nodeIdleMinutes: number;
}

/**
 * Flags (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#what-are-the-parameters-to-ca):
 * - scale-down-unneeded-time = nodeIdleMinutes: how long a GPU node may sit without GPU pods.
 * - scale-down-delay-after-add = nodeIdleMinutes (default 10m): otherwise every scale-up would
 *   keep all nodes for 10 minutes, longer than the idle bound the plan prints; with
 *   scale-down-delay-type-local=true that pause applies only to the group that grew. The plan
 *   states its bound from the same three flags (plan/plan.ts, autoscalerScaleDownArgs).
 * - skip-nodes-with-local-storage=false: training pods mount emptyDir /dev/shm; with the default
 *   (true) such a node would never be scaled down while they ran, and neither would a node with
 *   any leftover emptyDir pod. Training pods are protected instead by the Job's
 *   `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"` annotation.
 * - skip-nodes-with-system-pods=true (the default, written down): never drain a node that runs
 *   kube-system pods such as CoreDNS; GPU nodes run none because of their taint.
 * - expander=least-waste: of the groups that fit a pending pod, the one that wastes the least
 *   CPU/memory — the cheapest fit among GPU pools of one type.
 * - balance-similar-node-groups: spread identical groups evenly (per-zone copies of a pool).
 */
export function autoscalerValues(input: AutoscalerInput) {
  return {
    cloudProvider: "aws",
    awsRegion: input.region,
    autoDiscovery: { clusterName: input.clusterName },
    rbac: { serviceAccount: { create: true, name: AUTOSCALER_SERVICE_ACCOUNT } },
    nodeSelector: { ...SYSTEM_NODE_LABELS },
    extraArgs: {
      ...autoscalerScaleDownArgs(input.nodeIdleMinutes),
      "skip-nodes-with-local-storage": "false",
      "skip-nodes-with-system-pods": "true",
      expander: "least-waste",
      "balance-similar-node-groups": "true",
    },
  };
}

/**
 * The EFA device plugin only on EFA nodes (the label the program sets on them), tolerating the
 * GPU taint those nodes carry. The chart's own affinity additionally limits it to EFA-capable
 * instance types.
 */
export function efaPluginValues() {
  return {
    nodeSelector: { [EFA_LABEL]: "true" },
    tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
  };
}
