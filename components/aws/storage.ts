/**
 * The CSI drivers behind the experiments' `s3` and `fsx` volumes, as EKS add-ons.
 *
 * - Mountpoint for Amazon S3: its driver-level identity is an IAM role given through Pod Identity
 *   to the driver's service account. The role has no S3 permission at all: each experiment stack
 *   attaches a policy for exactly its buckets (ClusterTarget.s3CsiRoleName), and destroying the
 *   experiment removes that access again.
 *   Service account: `s3-csi-driver-sa` in kube-system (chart values node.serviceAccount.name,
 *   https://github.com/awslabs/mountpoint-s3-csi-driver, and the EKS guide's mountpoint-for-s3-add-on page).
 * - FSx for Lustre: the experiments mount existing file systems (static provisioning), which is a
 *   Lustre mount on the node and calls no AWS API, so its controller gets no role. Dynamic
 *   provisioning would need one (fsx:CreateFileSystem...); the program does not offer it.
 * Both charts' node DaemonSets tolerate all taints by default (node.tolerateAllTaints), so they
 * run on the tainted GPU nodes without extra configuration.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrust } from "./builders/iam";
import { KubernetesVersion, addonVersion } from "../../catalog/versions";

export const S3_CSI_SERVICE_ACCOUNT = "s3-csi-driver-sa";

export interface CsiDriversArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly kubernetesVersion: KubernetesVersion;
  readonly tags: Record<string, string>;
  /** The controllers need nodes to run on; the add-ons report DEGRADED until they do. */
  readonly after: pulumi.Resource[];
}

export class CsiDrivers extends pulumi.ComponentResource {
  readonly s3RoleName: pulumi.Output<string>;

  constructor(name: string, args: CsiDriversArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:CsiDrivers", name, {}, opts);
    const s3Role = new aws.iam.Role(
      `${name}-s3-role`,
      { assumeRolePolicy: JSON.stringify(podIdentityTrust()), description: "Mountpoint for S3 CSI driver; bucket access is attached per experiment", tags: args.tags },
      { parent: this },
    );
    const common = { clusterName: args.clusterName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", tags: args.tags };
    new aws.eks.Addon(
      `${name}-s3`,
      {
        ...common,
        addonName: "aws-mountpoint-s3-csi-driver",
        addonVersion: addonVersion(args.kubernetesVersion, "aws-mountpoint-s3-csi-driver"),
        podIdentityAssociations: [{ roleArn: s3Role.arn, serviceAccount: S3_CSI_SERVICE_ACCOUNT }],
      },
      { parent: this, dependsOn: args.after },
    );
    new aws.eks.Addon(
      `${name}-fsx`,
      { ...common, addonName: "aws-fsx-csi-driver", addonVersion: addonVersion(args.kubernetesVersion, "aws-fsx-csi-driver") },
      { parent: this, dependsOn: args.after },
    );
    this.s3RoleName = s3Role.name;
    this.registerOutputs({ s3RoleName: this.s3RoleName });
  }
}
