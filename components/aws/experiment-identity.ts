/**
 * The experiment stack's own AWS identity: an IAM role with exactly the access its volumes need
 * (k8s/access-policy.ts, from config/sources/ `iam`), given through EKS Pod Identity to its
 * namespace's ServiceAccount (k8s/namespace.ts). S3 volumes mount with it, not with the driver's
 * credentials: their PersistentVolumes say `authenticationSource: pod` (config/sources/s3.ts), so
 * one stack can never mount another's prefixes. Every stack creates its own, reuse stacks
 * included; nothing is added to a role another stack owns. The association needs no
 * ServiceAccount to exist yet (Pod Identity names it by namespace and name; the Mountpoint driver's
 * v2 announcement: "does not have to exist ahead of time"), so it is created alongside the
 * namespace; the run waits for it, since a pod gets its credentials when it starts.
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccessPolicy } from "../../k8s/access-policy";
import { eksClusterArn, podIdentityTrust } from "./builders/iam";

export interface ExperimentIdentityArgs {
  readonly eksClusterName: pulumi.Input<string>;
  /** The cluster's region, for its ARN in the trust policy's conditions. */
  readonly region: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** What the experiment's volumes need; the role gets one inline policy per source kind. */
  readonly policies: readonly AccessPolicy[];
  readonly tags: Record<string, string>;
}

export class ExperimentIdentity extends pulumi.ComponentResource {
  /** What the run waits for: its pods get the role's credentials only if the association exists when they start. */
  readonly ready: pulumi.Resource[];
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: ExperimentIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:ExperimentIdentity", name, {}, opts);
    const parent = { parent: this };
    // No physical name: Pulumi's auto-naming keeps a replacement from colliding with the old role.
    // Only this cluster's namespace and ServiceAccount may assume it (builders/iam.ts podIdentityTrust).
    const trust = pulumi
      .all([args.eksClusterName, aws.getCallerIdentityOutput({}, parent).accountId])
      .apply(([cluster, account]) => JSON.stringify(podIdentityTrust({ clusterArn: eksClusterArn(cluster, account, args.region), namespace: args.namespace, serviceAccount: args.serviceAccount })));
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: trust, description: `volumes of the experiment stack in namespace ${args.namespace}`, tags: args.tags }, parent);
    const policies = args.policies.map(
      (policy) => new aws.iam.RolePolicy(`${name}-${policy.sourceType}`, { name: `${policy.sourceType}-volumes`, role: role.name, policy: JSON.stringify(policy.document) }, parent),
    );
    const association = new aws.eks.PodIdentityAssociation(
      `${name}-association`,
      { clusterName: args.eksClusterName, namespace: args.namespace, serviceAccount: args.serviceAccount, roleArn: role.arn, tags: args.tags },
      parent,
    );
    this.ready = [...policies, association];
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
