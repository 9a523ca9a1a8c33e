/**
 * The least-privilege IAM policy `pulumi destroy` needs for the stacks of this project: per AWS
 * resource type the program creates, the actions its delete calls (and the reads it waits with).
 * tests/reap/teardown-role.test.ts derives the types from the plans of every example stack (and
 * from the program's sources, for resources no example creates), so a new type without its row
 * fails; docs/teardown.md shows the policy, generated from this table. Action names: the IAM
 * Service Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/).
 * Pure.
 */

/** Actions destroy calls, by Pulumi type token. */
export const TEARDOWN_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  "aws:autoscaling/tag:Tag": ["autoscaling:DeleteTags", "autoscaling:DescribeTags"],
  "aws:cloudwatch/logGroup:LogGroup": ["logs:DeleteLogGroup", "logs:DescribeLogGroups"],
  "aws:ec2/eip:Eip": ["ec2:DescribeAddresses", "ec2:DisassociateAddress", "ec2:ReleaseAddress"],
  "aws:ec2/internetGateway:InternetGateway": ["ec2:DeleteInternetGateway", "ec2:DescribeInternetGateways", "ec2:DetachInternetGateway"],
  "aws:ec2/launchTemplate:LaunchTemplate": ["ec2:DeleteLaunchTemplate", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"],
  "aws:ec2/natGateway:NatGateway": ["ec2:DeleteNatGateway", "ec2:DescribeNatGateways"],
  "aws:ec2/placementGroup:PlacementGroup": ["ec2:DeletePlacementGroup", "ec2:DescribePlacementGroups"],
  "aws:ec2/route:Route": ["ec2:DeleteRoute", "ec2:DescribeRouteTables"],
  "aws:ec2/routeTable:RouteTable": ["ec2:DeleteRouteTable", "ec2:DescribeRouteTables"],
  "aws:ec2/routeTableAssociation:RouteTableAssociation": ["ec2:DescribeRouteTables", "ec2:DisassociateRouteTable"],
  // The provider waits for the network interfaces of a security group or subnet to go (ENIs of a
  // deleted node or load balancer linger for minutes).
  "aws:ec2/securityGroup:SecurityGroup": ["ec2:DeleteSecurityGroup", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"],
  "aws:ec2/subnet:Subnet": ["ec2:DeleteSubnet", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
  "aws:ec2/vpc:Vpc": ["ec2:DeleteVpc", "ec2:DescribeVpcs"],
  "aws:ec2/vpcEndpoint:VpcEndpoint": ["ec2:DeleteVpcEndpoints", "ec2:DescribeVpcEndpoints"],
  "aws:ec2transitgateway/vpcAttachment:VpcAttachment": ["ec2:DeleteTransitGatewayVpcAttachment", "ec2:DescribeTransitGatewayVpcAttachments"],
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": ["ecr:DeleteLifecyclePolicy", "ecr:GetLifecyclePolicy"],
  // forceDelete (components/aws/training-image.ts): the images go with the repository.
  // The rule only: the repositories ECR created while caching stay (docs/aws.md, "Images from Docker Hub").
  "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": ["ecr:DeletePullThroughCacheRule", "ecr:DescribePullThroughCacheRules"],
  "aws:ecr/repository:Repository": ["ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:DescribeRepositories", "ecr:ListImages"],
  "aws:eks/accessEntry:AccessEntry": ["eks:DeleteAccessEntry", "eks:DescribeAccessEntry"],
  "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ["eks:DisassociateAccessPolicy", "eks:ListAssociatedAccessPolicies"],
  "aws:eks/addon:Addon": ["eks:DeleteAddon", "eks:DescribeAddon"],
  "aws:eks/cluster:Cluster": ["eks:DeleteCluster", "eks:DescribeCluster"],
  "aws:eks/nodeGroup:NodeGroup": ["eks:DeleteNodegroup", "eks:DescribeNodegroup"],
  "aws:eks/podIdentityAssociation:PodIdentityAssociation": ["eks:DeletePodIdentityAssociation", "eks:DescribePodIdentityAssociation"],
  "aws:iam/role:Role": ["iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:RemoveRoleFromInstanceProfile"],
  "aws:iam/rolePolicy:RolePolicy": ["iam:DeleteRolePolicy", "iam:GetRolePolicy"],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"],
  "aws:ssm/activation:Activation": ["ssm:DeleteActivation", "ssm:DescribeActivations"],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupEgress"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupIngress"],
};

/** What every run needs besides: the caller's identity (the AWS provider checks it first). */
export const COMMON_ACTIONS: readonly string[] = ["sts:GetCallerIdentity"];

/**
 * Actions that delete stored data. Destroy never needs them (data is retained or only read), so
 * the role never has them: even a bug cannot delete data with these credentials.
 */
export const DATA_DELETE_ACTIONS: readonly string[] = ["s3:DeleteBucket", "s3:DeleteObject", "fsx:DeleteFileSystem", "elasticfilesystem:DeleteFileSystem", "ec2:DeleteVolume", "ec2:DeleteSnapshot"];

/** Actions grouped by service, each list sorted: the policy's statements. */
export function teardownPolicy(types: readonly string[] = Object.keys(TEARDOWN_ACTIONS)): { Version: string; Statement: { Sid: string; Effect: "Allow"; Action: string[]; Resource: "*" }[] } {
  const actions = new Set<string>(COMMON_ACTIONS);
  for (const t of types) for (const a of TEARDOWN_ACTIONS[t] ?? []) actions.add(a);
  const byService = new Map<string, string[]>();
  for (const a of [...actions].sort()) {
    const service = a.split(":")[0];
    byService.set(service, [...(byService.get(service) ?? []), a]);
  }
  return {
    Version: "2012-10-17",
    Statement: [...byService.entries()].map(([service, list]) => ({ Sid: `Teardown${service.replace(/^./, (c) => c.toUpperCase())}`, Effect: "Allow", Action: list, Resource: "*" })),
  };
}

/** The policy as docs/teardown.md shows it. */
export function renderTeardownPolicy(): string {
  return ["```json", JSON.stringify(teardownPolicy(), null, 2), "```"].join("\n");
}
