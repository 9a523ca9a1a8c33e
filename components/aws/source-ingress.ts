/**
 * The security-group ingress between the nodes and the experiment's volume sources (FSx: the
 * Lustre ports on the file system's groups from the nodes' group, and on the nodes' group from the
 * file system's, config/sources/fsx.ts): the nodes' group is a created cluster's own, or the one a
 * reused cluster's stack exports.
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
          ...(rule.toNodes
            ? { securityGroupId: nodes.securityGroupId, referencedSecurityGroupId: rule.securityGroupId, description: `${rule.description} from ${rule.securityGroupId} to the nodes of ${nodes.clusterName}` }
            : { securityGroupId: rule.securityGroupId, referencedSecurityGroupId: nodes.securityGroupId, description: `${rule.description} from the nodes of ${nodes.clusterName}` }),
          ipProtocol: "tcp",
          fromPort: rule.fromPort,
          toPort: rule.toPort,
          tags,
        },
        opts,
      ),
  );
}
