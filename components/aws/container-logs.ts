/**
 * Container logs to CloudWatch Logs through the Amazon CloudWatch Observability EKS add-on
 * (catalog/versions.ts CLOUDWATCH_OBSERVABILITY): its own IAM role, given to the add-on's service
 * account through EKS Pod Identity, with the AWS-managed policy the CloudWatch guide names, and the
 * add-on configured with the stack's retention (builders/container-logs.ts). The log groups are
 * Fluent Bit's, not the stack's: `pulumi destroy` leaves them, and the retention removes them.
 */
import * as aws from "@pulumi/aws";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CLOUDWATCH_OBSERVABILITY, KubernetesVersion, addonVersion } from "../../catalog/versions";
import { containerLogsValues } from "./builders/container-logs";
import { managedPolicyArn, podIdentityTrust } from "./builders/iam";

export const APPLICATION_LOG_CONF = path.join(__dirname, "fluent-bit-application-log.conf");

export interface ContainerLogsArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly clusterArn: pulumi.Input<string>;
  readonly retentionDays: number;
  readonly kubernetesVersion: KubernetesVersion;
  readonly tags: Record<string, string>;
  /** The add-on's pods need nodes and the Pod Identity agent. */
  readonly after: pulumi.Resource[];
}

export class ContainerLogs extends pulumi.ComponentResource {
  constructor(name: string, args: ContainerLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:ContainerLogs", name, {}, opts);
    const parent = { parent: this };
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: pulumi.output(args.clusterArn).apply((clusterArn) => JSON.stringify(podIdentityTrust({ clusterArn, namespace: CLOUDWATCH_OBSERVABILITY.namespace, serviceAccount: CLOUDWATCH_OBSERVABILITY.serviceAccount }))), description: "CloudWatch agent and Fluent Bit (Pod Identity)", tags: args.tags }, parent);
    const policy = new aws.iam.RolePolicyAttachment(`${name}-policy`, { role: role.name, policyArn: managedPolicyArn(CLOUDWATCH_OBSERVABILITY.policy) }, parent);
    new aws.eks.Addon(
      `${name}-addon`,
      {
        clusterName: args.clusterName,
        addonName: CLOUDWATCH_OBSERVABILITY.addonName,
        addonVersion: addonVersion(args.kubernetesVersion, CLOUDWATCH_OBSERVABILITY.addonName),
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        podIdentityAssociations: [{ roleArn: role.arn, serviceAccount: CLOUDWATCH_OBSERVABILITY.serviceAccount }],
        configurationValues: JSON.stringify(containerLogsValues(fs.readFileSync(APPLICATION_LOG_CONF, "utf8"), args.retentionDays)),
        tags: args.tags,
      },
      { parent: this, dependsOn: [policy, ...args.after] },
    );
    this.registerOutputs({});
  }
}
