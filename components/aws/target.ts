/**
 * The `cluster.mode: create` target: the AWS resources of GpuCluster, a Kubernetes provider for
 * the new cluster, and the cluster-wide services only an EKS cluster of ours needs.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { StackSpec } from "../../config/spec";
import type { Plan } from "../../plan/plan";
import type { DeployGate } from "../../plan/deploy-gate";
import { CLUSTER_OUTPUTS, ClusterTarget } from "../target";
import { gpuClusterArgs } from "./builders/cluster-args";
import { usesEfa } from "./builders/node-groups";
import { GpuCluster } from "./gpu-cluster";
import { ClusterAutoscaler, EfaDevicePlugin } from "./services";

/** Stack output with each hybrid pool's nodeadm config (secret). */
export const HYBRID_NODE_CONFIGS_OUTPUT = "hybridNodeConfigs";

export function eksTarget(spec: StackSpec, plan: Plan, name: string, gate?: DeployGate): ClusterTarget {
  const cluster = new GpuCluster(name, gpuClusterArgs(spec, plan, gate));
  const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: cluster.kubeconfig });
  return {
    provider,
    eksClusterName: cluster.clusterName,
    ownsClusterServices: true,
    outputs: {
      [CLUSTER_OUTPUTS.kubeconfig]: cluster.kubeconfig,
      [CLUSTER_OUTPUTS.clusterName]: cluster.clusterName,
      ...(cluster.hybridNodeConfigs ? { [HYBRID_NODE_CONFIGS_OUTPUT]: cluster.hybridNodeConfigs } : {}),
    },
  };
}

/**
 * cluster-autoscaler where there are managed GPU pools to scale, and the EFA device plugin where a
 * pool has EFA. Only for clusters this stack created (the caller checks ownsClusterServices).
 */
export function eksClusterServices(spec: StackSpec, plan: Plan, target: ClusterTarget): Record<string, unknown> {
  if (spec.cluster.mode !== "create" || !target.eksClusterName) return {};
  const args = gpuClusterArgs(spec, plan);
  if (args.managedPools.length > 0) {
    new ClusterAutoscaler(`${spec.stack}-autoscaler`, {
      clusterName: args.clusterName,
      eksClusterName: target.eksClusterName,
      region: args.region,
      accountId: aws.getCallerIdentityOutput().accountId,
      kubernetesVersion: spec.cluster.kubernetesVersion,
      nodeIdleMinutes: spec.idle.nodeIdleMinutes,
      provider: target.provider,
      tags: args.tags,
    });
  }
  if (args.managedPools.some(({ pool }) => usesEfa(pool))) {
    new EfaDevicePlugin(`${spec.stack}-efa-plugin`, { provider: target.provider });
  }
  return {};
}
