/**
 * EKS Hybrid Nodes for GPU machines outside AWS (RTX 4090s have no EC2 instance type): the IAM
 * role the machines run as, an SSM hybrid activation per pool to register them with, the
 * HYBRID_LINUX access entry that lets them join, and the nodeadm config each machine runs.
 * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-overview.html
 * What happens on the machines themselves is in docs/hybrid-nodes.md.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { gpuNodeLabels } from "../../config/names";
import type { PoolPlan } from "../../plan/pools";
import { ACTIVATION_CLUSTER_TAG, HYBRID_ROLE_POLICIES, hybridNodesPolicy, hybridNodesTrust, managedPolicyArn } from "./builders/iam";
import { nodeConfigYaml } from "./builders/nodeadm";

export interface HybridNodesArgs {
  readonly pools: readonly PoolPlan[];
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly eksClusterName: pulumi.Input<string>;
  readonly clusterArn: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

export class HybridNodes extends pulumi.ComponentResource {
  readonly roleName: pulumi.Output<string>;
  /** Pool name → nodeadm NodeConfig YAML, with the activation code in it: secret. */
  readonly nodeConfigs: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: HybridNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:HybridNodes", name, {}, opts);
    const parent = { parent: this };

    const role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: pulumi.output(args.accountId).apply((account) => JSON.stringify(hybridNodesTrust(account, args.region))), description: "EKS Hybrid Nodes (SSM)", tags: args.tags },
      parent,
    );
    const attachments = HYBRID_ROLE_POLICIES.map((p) => new aws.iam.RolePolicyAttachment(`${name}-role-${p}`, { role: role.name, policyArn: managedPolicyArn(p) }, parent));
    const inline = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      { role: role.name, policy: pulumi.all([args.clusterArn, args.accountId]).apply(([arn, account]) => JSON.stringify(hybridNodesPolicy(arn, account, args.region))) },
      parent,
    );
    // Kubernetes identity of the machines: EKS maps HYBRID_LINUX entries to system:nodes.
    new aws.eks.AccessEntry(`${name}-access`, { clusterName: args.eksClusterName, principalArn: role.arn, type: "HYBRID_LINUX", tags: args.tags }, parent);

    const configs = args.pools.map((pool) => {
      // No expirationDate: SSM's default of 24 hours from creation (plan/render.ts ACTIVATION_HOURS)
      // is the short window wanted, and a date written here would come from a clock and change
      // on every `pulumi up` (the provider diffs expirationDate only when it is set). Machines
      // register within the window; registered machines keep working. A new code: docs/hybrid-nodes.md.
      const activation = new aws.ssm.Activation(
        `${name}-${pool.name}`,
        {
          iamRole: role.name,
          registrationLimit: pool.maxNodes,
          description: `EKS hybrid GPU nodes of pool ${pool.name}`,
          tags: pulumi.output(args.clusterArn).apply((arn) => ({ ...args.tags, [ACTIVATION_CLUSTER_TAG]: arn })),
        },
        // The activation code is a credential (with the id it registers a machine): keep it
        // encrypted in the state. The provider does not mark it secret on its own.
        { parent: this, dependsOn: [...attachments, inline], additionalSecretOutputs: ["activationCode"] },
      );
      const yaml = pulumi
        .all([args.eksClusterName, activation.activationCode, activation.id])
        .apply(([clusterName, activationCode, activationId]) =>
          nodeConfigYaml({ clusterName, region: args.region, activationCode, activationId, labels: gpuNodeLabels(pool) }),
        );
      return yaml.apply((y) => [pool.name, y] as const);
    });

    this.roleName = role.name;
    this.nodeConfigs = pulumi.secret(pulumi.all(configs).apply((entries) => Object.fromEntries(entries)));
    this.registerOutputs({ roleName: this.roleName, nodeConfigs: this.nodeConfigs });
  }
}
