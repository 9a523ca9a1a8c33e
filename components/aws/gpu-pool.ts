/**
 * One GPU pool as an EKS managed node group on the EKS-optimized AL2023 NVIDIA AMI (driver and
 * container toolkit included; the device plugin is installed cluster-wide). It starts at
 * `minNodes` (0 by default) and cluster-autoscaler owns its size from then on. Pools that can
 * span nodes on an EFA instance also get every EFA interface, a cluster placement group, one zone
 * and the self-referencing security group EFA requires.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { InstanceSpec } from "../../catalog/instances";
import type { PoolPlan } from "../../plan/pools";
import { METADATA_OPTIONS, efaNetworkInterfaces, rootVolume } from "./builders/launch-template";
import { GPU_NODE_TAINT, managedNodeLabels, scaleFromZeroTags, tagSlug, usesEfa } from "./builders/node-groups";
import type { KubernetesVersion } from "../../catalog/versions";

export interface GpuNodePoolArgs {
  readonly pool: PoolPlan;
  readonly instance: InstanceSpec;
  readonly clusterName: string;
  readonly kubernetesVersion: KubernetesVersion;
  readonly eksClusterName: pulumi.Input<string>;
  readonly clusterSecurityGroupId: pulumi.Input<string>;
  readonly nodeRoleArn: pulumi.Input<string>;
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets, one per zone; an EFA pool uses the first only. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly tags: Record<string, string>;
  /** Add-ons the nodes need to become Ready (EksCluster.nodePrerequisites). */
  readonly after: pulumi.Resource[];
}

export class GpuNodePool extends pulumi.ComponentResource {
  readonly nodeGroupName: pulumi.Output<string>;
  readonly autoscalingGroupName: pulumi.Output<string>;

  constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:GpuNodePool", name, {}, opts);
    const { pool, instance } = args;
    const efa = usesEfa(pool);
    const tags = { ...args.tags, "gtc:pool": pool.name };
    const parent = { parent: this };

    let efaTemplate: Partial<aws.ec2.LaunchTemplateArgs> = {};
    if (efa) {
      // EFA traffic must be allowed to and from the group itself: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
      const efaGroup = new aws.ec2.SecurityGroup(`${name}-efa-sg`, { vpcId: args.vpcId, description: `EFA between ${pool.name} nodes`, tags: { ...tags, Name: `${name}-efa-sg` } }, parent);
      new aws.vpc.SecurityGroupIngressRule(`${name}-efa-in`, { securityGroupId: efaGroup.id, referencedSecurityGroupId: efaGroup.id, ipProtocol: "-1", description: "all traffic from EFA peers" }, parent);
      new aws.vpc.SecurityGroupEgressRule(`${name}-efa-out`, { securityGroupId: efaGroup.id, referencedSecurityGroupId: efaGroup.id, ipProtocol: "-1", description: "all traffic to EFA peers" }, parent);
      // Cluster strategy: all nodes in one low-latency network segment of one zone.
      const placement = new aws.ec2.PlacementGroup(`${name}-placement`, { strategy: "cluster", tags }, parent);
      efaTemplate = {
        // With network interfaces in the template, the security groups go on the interfaces; the
        // cluster security group keeps the node's path to the control plane.
        networkInterfaces: efaNetworkInterfaces(instance.efaInterfaces, [args.clusterSecurityGroupId, efaGroup.id]).map((ni) => ({ ...ni, securityGroups: [...ni.securityGroups] })),
        placement: { groupName: placement.name },
      };
    }

    const template = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        blockDeviceMappings: rootVolume(pool.diskGiB),
        metadataOptions: METADATA_OPTIONS,
        tagSpecifications: [{ resourceType: "instance", tags: { ...tags, Name: `${args.clusterName}-${pool.name}` } }],
        tags,
        ...efaTemplate,
      },
      parent,
    );

    const nodeGroup = new aws.eks.NodeGroup(
      `${name}-ng`,
      {
        clusterName: args.eksClusterName,
        nodeGroupName: `gpu-${pool.name}`,
        version: args.kubernetesVersion,
        nodeRoleArn: args.nodeRoleArn,
        subnetIds: efa ? [args.subnetIds[0]] : args.subnetIds,
        amiType: "AL2023_x86_64_NVIDIA",
        instanceTypes: [instance.type],
        capacityType: pool.capacity === "spot" ? "SPOT" : "ON_DEMAND",
        scalingConfig: { minSize: pool.minNodes, maxSize: pool.maxNodes, desiredSize: pool.minNodes },
        labels: managedNodeLabels(pool),
        taints: [GPU_NODE_TAINT],
        launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
        updateConfig: { maxUnavailable: 1 },
        tags,
      },
      // The autoscaler owns the size after creation; a `pulumi up` must not reset it.
      // A node group is replaced (new instance type, zone...) only at its fixed name: delete first.
      { parent: this, dependsOn: args.after, ignoreChanges: ["scalingConfig.desiredSize"], deleteBeforeReplace: true },
    );

    this.autoscalingGroupName = nodeGroup.resources.apply((r) => r?.[0]?.autoscalingGroups?.[0]?.name ?? "");
    for (const [key, value] of Object.entries(scaleFromZeroTags(pool, instance, args.clusterName))) {
      new aws.autoscaling.Tag(`${name}-tag-${tagSlug(key)}`, { autoscalingGroupName: this.autoscalingGroupName, tag: { key, value, propagateAtLaunch: false } }, parent);
    }

    this.nodeGroupName = nodeGroup.nodeGroupName;
    this.registerOutputs({ nodeGroupName: this.nodeGroupName, autoscalingGroupName: this.autoscalingGroupName });
  }
}
