/**
 * Everything AWS-side of a stack with `cluster.mode: create`: the network, the EKS cluster, one
 * managed node group per managed GPU pool, the hybrid-node plumbing for off-AWS pools and the
 * storage CSI add-ons. In-cluster services (autoscaler, device plugins) come later, through the
 * Kubernetes provider built from `kubeconfig`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { GpuClusterArgs } from "./builders/cluster-args";
import { EksCluster } from "./cluster";
import { GpuNodePool } from "./gpu-pool";
import { HybridNodes } from "./hybrid";
import { Network } from "./network";
import { CsiDrivers } from "./storage";
import { stackNamespace } from "../../config/names";
import { ContainerLogs } from "./container-logs";
import { sourceIngressRules } from "./source-ingress";
import { DockerHubCache } from "./image-cache";

export class GpuCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  /** The VPC the nodes live in (created, or cluster.vpc). */
  readonly vpcId: pulumi.Output<string>;
  /** The security group EKS gives the cluster; the managed nodes carry it. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** Pool → nodeadm config (secret); only with hybrid pools. */
  readonly hybridNodeConfigs?: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:GpuCluster", name, {}, opts);
    const c = args.cluster;
    const parent = { parent: this };
    this.accountId = aws.getCallerIdentityOutput({}, parent).accountId;

    // An existing VPC (cluster.vpc) is used as it is: no VPC, subnets or NAT gateways of ours.
    const network = args.existingVpc
      ? { vpcId: pulumi.output(args.existingVpc.id), privateSubnetIds: args.existingVpc.subnetIds.map((id) => pulumi.output(id)) }
      : new Network(
      `${name}-network`,
      {
        clusterName: args.clusterName,
        vpcCidr: c.vpcCidr,
        zones: c.availabilityZones,
        zoneNames: args.zoneNames,
        natGateways: c.natGateways,
        region: args.region,
        tags: args.tags,
        onPremises: c.hybrid?.transitGatewayId
          ? { transitGatewayId: c.hybrid.transitGatewayId, cidrs: [...c.hybrid.remoteNodeCidrs, ...c.hybrid.remotePodCidrs] }
          : undefined,
      },
      parent,
    );

    const cluster = new EksCluster(
      `${name}-cluster`,
      {
        clusterName: args.clusterName,
        kubernetesVersion: c.kubernetesVersion,
        region: args.region,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        endpoint: c.endpoint,
        serviceCidr: c.serviceCidr,
        supportType: c.supportType,
        admins: c.admins,
        users: c.users.map((u) => ({ principalArn: u.principalArn, namespaces: [...new Set(u.stacks.map(stackNamespace))].sort() })),
        controlPlaneLogs: c.controlPlaneLogs,
        secretsKmsKeyArn: c.secretsKmsKeyArn,
        systemNodes: c.systemNodes,
        hybrid: c.hybrid ? { remoteNodeCidrs: c.hybrid.remoteNodeCidrs, remotePodCidrs: c.hybrid.remotePodCidrs } : undefined,
        tags: args.tags,
      },
      parent,
    );

    for (const { pool, instance } of args.managedPools) {
      new GpuNodePool(
        `${name}-pool-${pool.name}`,
        {
          pool,
          instance,
          clusterName: args.clusterName,
          kubernetesVersion: c.kubernetesVersion,
          eksClusterName: cluster.clusterName,
          clusterSecurityGroupId: cluster.clusterSecurityGroupId,
          nodeRoleArn: cluster.nodeRoleArn,
          vpcId: network.vpcId,
          // Only subnets in zones that offer the pool's instance type (the account gate's choice).
          subnetIds: args.poolPlacements?.[pool.name]?.map((i) => network.privateSubnetIds[i]) ?? network.privateSubnetIds,
          tags: args.tags,
          after: cluster.nodePrerequisites,
        },
        parent,
      );
    }

    if (args.hybridPools.length > 0) {
      const hybrid = new HybridNodes(
        `${name}-hybrid`,
        { pools: args.hybridPools, region: args.region, accountId: this.accountId, eksClusterName: cluster.clusterName, clusterArn: cluster.clusterArn, tags: args.tags },
        parent,
      );
      this.hybridNodeConfigs = hybrid.nodeConfigs;
    }

    // What the nodes need to reach the experiments' volume sources (FSx: the Lustre ports on the
    // file system's security groups, config/sources/fsx.ts); the nodes carry the cluster security group.
    sourceIngressRules(name, args.sourceIngress, { securityGroupId: cluster.clusterSecurityGroupId, clusterName: args.clusterName }, args.tags, parent);

    if (args.dockerHubCache) {
      new DockerHubCache(
        `${name}-docker-hub-cache`,
        { ...args.dockerHubCache, region: args.region, accountId: this.accountId, nodeRoleName: cluster.nodeRoleName },
        parent,
      );
    }

    new CsiDrivers(`${name}-csi`, { clusterName: cluster.clusterName, clusterArn: cluster.clusterArn, kubernetesVersion: c.kubernetesVersion, tags: args.tags, after: [cluster.systemNodeGroup] }, parent);
    if (c.logs.cloudWatch) {
      new ContainerLogs(`${name}-logs`, { clusterName: cluster.clusterName, clusterArn: cluster.clusterArn, retentionDays: c.logs.retentionDays, kubernetesVersion: c.kubernetesVersion, tags: args.tags, after: [cluster.systemNodeGroup] }, parent);
    }

    this.clusterName = cluster.clusterName;
    this.vpcId = network.vpcId;
    this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
    this.kubeconfig = cluster.kubeconfig;
    this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
  }
}
