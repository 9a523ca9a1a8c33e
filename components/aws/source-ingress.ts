/**
 * The security-group ingress the nodes need to reach the experiment's volume sources (FSx: the
 * Lustre ports on the file system's groups, config/sources/fsx.ts), from the group the nodes
 * carry: a created cluster's own, or the one a reused cluster's stack exports.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { SourceIngress } from "../../config/sources/kind";

export function sourceIngressRules(
  name: string,
  rules: readonly SourceIngress[],
  nodes: { readonly securityGroupId: pulumi.Input<string>; readonly clusterName: string },
  tags: Record<string, string>,
  opts?: pulumi.CustomResourceOptions,
): aws.vpc.SecurityGroupIngressRule[] {
  return rules.map(
    (rule) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${rule.key}`,
        {
          securityGroupId: rule.securityGroupId,
          referencedSecurityGroupId: nodes.securityGroupId,
          ipProtocol: "tcp",
          fromPort: rule.fromPort,
          toPort: rule.toPort,
          description: `${rule.description} from the nodes of ${nodes.clusterName}`,
          tags,
        },
        opts,
      ),
  );
}
