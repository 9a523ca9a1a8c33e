/**
 * Cluster-wide services of an EKS cluster this program creates: cluster-autoscaler (AWS access
 * through EKS Pod Identity, scoped to this cluster's GPU node groups) and, where a pool has EFA,
 * the AWS EFA device plugin.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { autoscalerPolicy, eksClusterArn, podIdentityTrust } from "./builders/iam";
import { AUTOSCALER_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT, autoscalerValues, efaPluginValues } from "./builders/services";
import { AUTOSCALER_CHARTS, EFA_PLUGIN_CHART, HelmChart, KubernetesVersion } from "../../catalog/versions";

function release(name: string, chart: HelmChart, values: Record<string, unknown>, opts: pulumi.CustomResourceOptions) {
  return new k8s.helm.v3.Release(
    name,
    {
      name: chart.chart,
      chart: chart.chart,
      version: chart.version,
      repositoryOpts: { repo: chart.repository },
      namespace: AUTOSCALER_NAMESPACE,
      values,
    },
    opts,
  );
}

export interface ClusterAutoscalerArgs {
  readonly clusterName: string;
  readonly eksClusterName: pulumi.Input<string>;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly kubernetesVersion: KubernetesVersion;
  readonly nodeIdleMinutes: number;
  readonly provider: k8s.Provider;
  readonly tags: Record<string, string>;
}

export class ClusterAutoscaler extends pulumi.ComponentResource {
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:ClusterAutoscaler", name, {}, opts);
    const trust = pulumi
      .all([args.eksClusterName, args.accountId])
      .apply(([cluster, account]) => JSON.stringify(podIdentityTrust({ clusterArn: eksClusterArn(cluster, account, args.region), namespace: AUTOSCALER_NAMESPACE, serviceAccount: AUTOSCALER_SERVICE_ACCOUNT })));
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: trust, description: "cluster-autoscaler (Pod Identity)", tags: args.tags }, { parent: this });
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.name, policy: pulumi.output(args.accountId).apply((account) => JSON.stringify(autoscalerPolicy(args.clusterName, account, args.region))) },
      { parent: this },
    );
    const association = new aws.eks.PodIdentityAssociation(
      `${name}-identity`,
      { clusterName: args.eksClusterName, namespace: AUTOSCALER_NAMESPACE, serviceAccount: AUTOSCALER_SERVICE_ACCOUNT, roleArn: role.arn, tags: args.tags },
      { parent: this, dependsOn: [policy] },
    );
    release(
      `${name}-release`,
      AUTOSCALER_CHARTS[args.kubernetesVersion],
      autoscalerValues({ clusterName: args.clusterName, region: args.region, nodeIdleMinutes: args.nodeIdleMinutes }),
      { parent: this, provider: args.provider, dependsOn: [association] },
    );
    this.roleName = role.name;
    this.registerOutputs({ roleName: this.roleName });
  }
}

export class EfaDevicePlugin extends pulumi.ComponentResource {
  constructor(name: string, args: { readonly provider: k8s.Provider }, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:EfaDevicePlugin", name, {}, opts);
    release(`${name}-release`, EFA_PLUGIN_CHART, efaPluginValues(), { parent: this, provider: args.provider });
    this.registerOutputs({});
  }
}
