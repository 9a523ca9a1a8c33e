/**
 * Where the experiment's Kubernetes objects go. A stack either creates an EKS cluster, reuses
 * the cluster of another stack of this project (a StackReference: no AWS resources of its own),
 * or targets an existing cluster through a kubeconfig (no AWS resources at all).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSpec } from "../config/spec";

export interface ClusterTarget {
  /** The Kubernetes provider every in-cluster object is created with. */
  readonly provider: k8s.Provider;
  /** The EKS cluster's name where there is one (create and reuse), for EKS add-ons and access. */
  readonly eksClusterName?: pulumi.Output<string>;
  /** Whether this stack owns the cluster-wide pieces (device plugin, autoscaler). */
  readonly ownsClusterServices: boolean;
  /** Stack outputs contributed by the target. */
  readonly outputs: Record<string, pulumi.Input<unknown>>;
}

/**
 * The outputs a cluster stack exports for the experiment stacks that reuse it: how to reach the cluster, and what the reusing stack's account checks need
 * (plan/account.ts ClusterExports): the region, the VPC and the cluster security group its FSx
 * file systems must let in, and the managed pools its GPU quota is checked against.
 */
export const CLUSTER_OUTPUTS = {
  kubeconfig: "kubeconfig",
  clusterName: "clusterName",
  region: "region",
  vpcId: "vpcId",
  clusterSecurityGroupId: "clusterSecurityGroupId",
  pools: "pools",
  imageCache: "imageCache",
} as const;

/**
 * The StackReference to the reused cluster's stack, one per stack: the account checks read its
 * exports before the first resource (components/aws/account-facts.ts), and the target reads the
 * kubeconfig from the same reference. A reference is a read of the other stack's outputs; it
 * creates nothing.
 */
const references = new WeakMap<StackSpec, { readonly reference: pulumi.StackReference; readonly stackName: string }>();

export function clusterReference(spec: StackSpec): { readonly reference: pulumi.StackReference; readonly stackName: string } {
  if (spec.cluster.mode !== "reuse") throw new Error("clusterReference needs cluster.mode reuse");
  const known = references.get(spec);
  if (known) return known;
  const ref = [spec.cluster.organization, spec.project, spec.cluster.stack].filter(Boolean).join("/");
  // A fully qualified name needs the organization; without it Pulumi resolves the current one.
  const stackName = spec.cluster.organization ? ref : spec.cluster.stack;
  const made = { reference: new pulumi.StackReference(`${spec.stack}-cluster`, { name: stackName }), stackName };
  references.set(spec, made);
  return made;
}


export function reuseTarget(spec: StackSpec, name: string): ClusterTarget {
  if (spec.cluster.mode !== "reuse") throw new Error("reuseTarget needs cluster.mode reuse");
  const { reference: cluster, stackName } = clusterReference(spec);
  const kubeconfig = pulumi.secret(cluster.requireOutput(CLUSTER_OUTPUTS.kubeconfig));
  const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: kubeconfig.apply((k) => (typeof k === "string" ? k : JSON.stringify(k))) });
  return {
    provider,
    eksClusterName: cluster.requireOutput(CLUSTER_OUTPUTS.clusterName).apply(String),
    ownsClusterServices: false,
    outputs: { clusterStack: stackName },
  };
}

export function existingTarget(spec: StackSpec, name: string): ClusterTarget {
  if (spec.cluster.mode !== "existing") throw new Error("existingTarget needs cluster.mode existing");
  const provider = new k8s.Provider(`${name}-k8s`, {
    kubeconfig: spec.cluster.kubeconfigPath,
    context: spec.cluster.context,
  });
  return { provider, ownsClusterServices: spec.cluster.installDevicePlugin, outputs: {} };
}
