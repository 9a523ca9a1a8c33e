/**
 * The `cluster.mode: create` target: the AWS resources of GpuCluster, a Kubernetes provider for
 * the new cluster, and the cluster-wide services only an EKS cluster of ours needs.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { StackSpec } from "../../config/spec";
import type { Plan } from "../../plan/plan";
import type { DeployGate } from "../../plan/deploy-gate";
import { exportedPools } from "../../plan/account";
import { cacheLocation } from "../../plan/image-cache";
import { CLUSTER_OUTPUTS, ClusterTarget } from "../target";
import { awsTags, gpuClusterArgs } from "./builders/cluster-args";
import { eksClusterName } from "../naming";
import { sourceIngressRules } from "./source-ingress";
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
      // What a reusing stack's account checks read (plan/account.ts ClusterExports).
      [CLUSTER_OUTPUTS.region]: spec.region,
      [CLUSTER_OUTPUTS.vpcId]: cluster.vpcId,
      [CLUSTER_OUTPUTS.clusterSecurityGroupId]: cluster.clusterSecurityGroupId,
      [CLUSTER_OUTPUTS.pools]: exportedPools(plan),
      ...(gate?.decision.account?.imageCache ? { [CLUSTER_OUTPUTS.imageCache]: cacheLocation(gate.decision.account.imageCache) } : {}),
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

/**
 * A stack that reuses a cluster opens its own volume sources to the cluster's nodes (FSx's Lustre
 * ports, from the cluster security group its cluster stack exports): the rules are this stack's,
 * tagged with it, and go when it is destroyed. Ports another stack opened already are not among
 * them (config/sources/fsx.ts).
 */
export function reuseSourceAccess(spec: StackSpec, gate?: DeployGate): void {
  if (spec.cluster.mode !== "reuse") return;
  const securityGroupId = gate?.decision.account?.cluster?.clusterSecurityGroupId;
  const rules = gate?.sources?.ingress ?? [];
  if (!securityGroupId || rules.length === 0) return;
  const clusterName = eksClusterName(spec.cluster.stack);
  sourceIngressRules(spec.stack, rules, { securityGroupId, clusterName }, awsTags(spec.stack, clusterName));
}
