/**
 * The CSI drivers behind the experiments' volume sources, as EKS add-ons: one per source kind
 * that names an add-on (config/sources/, `addon`). A kind whose driver needs AWS access gets an
 * IAM role given through Pod Identity to the driver's service account; the role has no permission
 * at all: every S3 volume mounts with its pod's own role (config/sources/s3.ts,
 * components/aws/experiment-identity.ts), and nothing is ever attached to the driver's.
 * The drivers' node DaemonSets tolerate all taints by default (node.tolerateAllTaints in both
 * charts), so they run on the tainted GPU nodes without extra configuration.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { addonKinds, typeOf } from "../../config/sources";
import type { KubernetesVersion } from "../../catalog/versions";
import { ADDON_NAMESPACE, podIdentityTrust } from "./builders/iam";

export interface CsiDriversArgs {
  readonly clusterName: pulumi.Input<string>;
  /** For the driver roles' trust policies: only this cluster's add-on service accounts may use them. */
  readonly clusterArn: pulumi.Input<string>;
  readonly kubernetesVersion: KubernetesVersion;
  readonly tags: Record<string, string>;
  /** The controllers need nodes to run on; the add-ons report DEGRADED until they do. */
  readonly after: pulumi.Resource[];
}

export class CsiDrivers extends pulumi.ComponentResource {
  /** Source type → name of its driver's role, for the kinds that have one. */
  readonly roleNames: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: CsiDriversArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:CsiDrivers", name, {}, opts);
    const common = { clusterName: args.clusterName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", tags: args.tags };
    const roleNames: Record<string, pulumi.Output<string>> = {};
    for (const kind of addonKinds()) {
      const type = typeOf(kind);
      const addon = kind.addon!;
      const role = addon.driverRole
        ? new aws.iam.Role(
            `${name}-${type}-role`,
            {
              assumeRolePolicy: pulumi.output(args.clusterArn).apply((clusterArn) => JSON.stringify(podIdentityTrust({ clusterArn, namespace: ADDON_NAMESPACE, serviceAccount: addon.driverRole!.serviceAccount }))),
              description: addon.driverRole.description,
              tags: args.tags,
            },
            { parent: this },
          )
        : undefined;
      new aws.eks.Addon(
        `${name}-${type}`,
        {
          ...common,
          addonName: addon.name,
          addonVersion: addon.versions[args.kubernetesVersion],
          ...(role && addon.driverRole ? { podIdentityAssociations: [{ roleArn: role.arn, serviceAccount: addon.driverRole.serviceAccount }] } : {}),
        },
        { parent: this, dependsOn: args.after },
      );
      if (role) roleNames[type] = role.name;
    }
    this.roleNames = roleNames;
    this.registerOutputs({ roleNames });
  }
}
