/**
 * Helm values of the AWS EFA device plugin, which advertises `vpc.amazonaws.com/efa` on nodes
 * whose instance type has EFA interfaces. Without it a multi-node Job asking for EFA devices never
 * schedules. https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 *
 * The chart selects nodes by instance type itself (supportedInstanceLabels); its default
 * tolerations are empty, so it would never land on our tainted GPU nodes without ours.
 * https://github.com/aws/eks-charts/blob/master/stable/aws-efa-k8s-device-plugin/values.yaml
 */
import type { PoolPlan } from "../plan/pools";
import { gpuToleration } from "./scheduling";

/** Pinned; the chart version of aws/eks-charts master (Chart.yaml), app v0.5.20. */
export const EFA_DEVICE_PLUGIN_CHART = {
  chart: "aws-efa-k8s-device-plugin",
  version: "v0.5.30",
  repo: "https://aws.github.io/eks-charts",
} as const;

export const EFA_DEVICE_PLUGIN_NAMESPACE = "kube-system";
export const EFA_DEVICE_PLUGIN_RELEASE = "aws-efa-k8s-device-plugin";

/** Whether any pool of the cluster runs an instance type with EFA interfaces. */
export function clusterNeedsEfaPlugin(pools: readonly PoolPlan[]): boolean {
  return pools.some((p) => (p.instance?.efaInterfaces ?? 0) > 0);
}

export function efaDevicePluginValues(): { readonly tolerations: readonly ReturnType<typeof gpuToleration>[] } {
  return { tolerations: [gpuToleration()] };
}
