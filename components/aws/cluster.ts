/**
 * The EKS control plane and what every node needs before it can join: the cluster and node IAM
 * roles, the networking add-ons, a small on-demand CPU node group for system pods, CoreDNS, and
 * the kubeconfig that reaches it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ADDON_NAMESPACE, CLUSTER_ROLE_POLICIES, CNI_POLICIES, NODE_ROLE_POLICIES, managedPolicyArn, podIdentityTrust, serviceTrust } from "./builders/iam";
import { kubeconfigYaml } from "./builders/kubeconfig";
import { METADATA_OPTIONS, rootVolume } from "./builders/launch-template";
import { SYSTEM_NODE_LABELS } from "./builders/node-groups";
import { adminSlug } from "./builders/admins";
import { usersGroup } from "../../k8s/namespace";
import { AddonName, KubernetesVersion, addonVersion } from "../../catalog/versions";
import { CLUSTER_LOG_TYPES, DEFAULT_LOG_RETENTION_DAYS, controlPlaneLogGroupName } from "../../config/control-plane";

export interface EksClusterArgs {
  readonly clusterName: string;
  readonly kubernetesVersion: KubernetesVersion;
  readonly region: string;
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets: the control plane's network interfaces and every node live there. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly endpoint: { readonly publicAccess: boolean; readonly privateAccess: boolean; readonly publicAccessCidrs: readonly string[] };
  readonly serviceCidr: string;
  readonly systemNodes: { readonly instanceType: string; readonly count: number };
  readonly hybrid?: { readonly remoteNodeCidrs: readonly string[]; readonly remotePodCidrs: readonly string[] };
  readonly tags: Record<string, string>;
  /** EKS upgrade policy (catalog/kubernetes-versions.ts). @default "STANDARD" */
  readonly supportType?: "STANDARD" | "EXTENDED";
  /** IAM principals given cluster-admin through access entries. @default [] */
  readonly admins?: readonly string[];
  /** Principals given the edit policy in these namespaces only (`cluster.users`). */
  readonly users?: readonly { readonly principalArn: string; readonly namespaces: readonly string[] }[];
  /** Retention of the audit and authenticator logs. @default DEFAULT_LOG_RETENTION_DAYS days */
  readonly controlPlaneLogs?: { readonly retentionDays: number };
  /** A customer-managed KMS key for the cluster's Secrets; EKS's own envelope encryption without. */
  readonly secretsKmsKeyArn?: string;
}

/**
 * Cluster-wide admin for `cluster.admins`: an access entry plus this policy at cluster scope.
 * https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html (AmazonEKSClusterAdminPolicy)
 */
export const CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
/**
 * `cluster.users`: Kubernetes' `edit` role (most objects, Secrets included, no RBAC, no
 * cluster-scoped objects), associated with namespace scope. Same page (AmazonEKSEditPolicy).
 */
export const NAMESPACE_EDIT_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";

/** EKS managed add-ons are created and updated to exactly the pinned version. */
const ADDON_CONFLICTS = { resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" } as const;

export class EksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  /** The security group EKS creates; managed nodes use it to talk to the control plane. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly nodeRoleArn: pulumi.Output<string>;
  readonly nodeRoleName: pulumi.Output<string>;
  /**
   * The kubeconfig (secret). It resolves only once the system nodes and CoreDNS are up, so a
   * Kubernetes provider built from it makes every in-cluster object wait for a cluster that can
   * run pods.
   */
  readonly kubeconfig: pulumi.Output<string>;
  /** What a node group must wait for: the add-ons without which its nodes never become Ready. */
  readonly nodePrerequisites: pulumi.Resource[];
  readonly systemNodeGroup: aws.eks.NodeGroup;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:EksCluster", name, {}, opts);
    const tags = args.tags;
    const parent = { parent: this };

    const clusterRole = new aws.iam.Role(`${name}-cluster-role`, { assumeRolePolicy: JSON.stringify(serviceTrust("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"])), tags }, parent);
    const clusterPolicies = CLUSTER_ROLE_POLICIES.map(
      (p) => new aws.iam.RolePolicyAttachment(`${name}-cluster-role-${p}`, { role: clusterRole.name, policyArn: managedPolicyArn(p) }, parent),
    );

    // Hybrid nodes reach the API server through the control plane's network interfaces.
    // https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-networking.html#hybrid-nodes-networking-cluster-sg
    const extraSecurityGroups: pulumi.Output<string>[] = [];
    if (args.hybrid) {
      const sg = new aws.ec2.SecurityGroup(
        `${name}-hybrid-sg`,
        {
          vpcId: args.vpcId,
          description: "EKS control plane access from on-premises hybrid nodes and their pods",
          ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [...args.hybrid.remoteNodeCidrs, ...args.hybrid.remotePodCidrs], description: "kubelet and pods to the Kubernetes API" }],
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "API server to kubelets (10250) and webhooks" }],
          tags: { ...tags, Name: `${name}-hybrid-sg` },
        },
        parent,
      );
      extraSecurityGroups.push(sg.id);
    }

    // Created before the cluster, so EKS writes into it and its retention applies; EKS would
    // otherwise create the group itself, keeping events forever (config/control-plane.ts).
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: controlPlaneLogGroupName(args.clusterName), retentionInDays: args.controlPlaneLogs?.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS, tags },
      parent,
    );

    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: args.kubernetesVersion,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: args.subnetIds,
          endpointPublicAccess: args.endpoint.publicAccess,
          endpointPrivateAccess: args.endpoint.privateAccess,
          publicAccessCidrs: args.endpoint.publicAccess ? [...args.endpoint.publicAccessCidrs] : undefined,
          securityGroupIds: extraSecurityGroups,
        },
        // Access entries only (no aws-auth ConfigMap); EKS Hybrid Nodes require API or API_AND_CONFIG_MAP.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: args.serviceCidr },
        remoteNetworkConfig: args.hybrid
          ? {
              remoteNodeNetworks: { cidrs: [...args.hybrid.remoteNodeCidrs] },
              ...(args.hybrid.remotePodCidrs.length > 0 ? { remotePodNetworks: { cidrs: [...args.hybrid.remotePodCidrs] } } : {}),
            }
          : undefined,
        // The networking add-ons are installed below as managed add-ons at pinned versions, not
        // as the unversioned self-managed copies EKS would otherwise bootstrap.
        bootstrapSelfManagedAddons: false,
        // STANDARD: no extended-support surcharge; an unattended cluster is upgraded instead.
        // EXTENDED: the version stays, at the extended-support price (plan/deploy-gate.ts shows it).
        upgradePolicy: { supportType: args.supportType ?? "STANDARD" },
        enabledClusterLogTypes: [...CLUSTER_LOG_TYPES],
        // Secrets encrypted with the user's key; EKS cannot disable or change it afterwards
        // ("You can't disable secrets encryption after enabling it":
        // https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html). Without a key, EKS
        // envelope-encrypts Secrets with its own key on 1.28 and later (same page).
        encryptionConfig: args.secretsKmsKeyArn ? { resources: ["secrets"], provider: { keyArn: args.secretsKmsKeyArn } } : undefined,
        tags,
      },
      { parent: this, dependsOn: [...clusterPolicies, logGroup] },
    );

    // The creator gets admin through bootstrapClusterCreatorAdminPermissions; everyone else who
    // runs `pulumi up`, the reaper or kubectl against this cluster needs an entry (docs/aws.md).
    // Each entry is named after its principal (builders/admins.ts), so editing the list touches only
    // the principals added or removed.
    // One access entry per principal, whichever list names it: EKS takes one entry per principal, so
    // a person moved from `users` to `admins` keeps the same resource (the aliases carry the names
    // entries had when each list made its own), and only the policy associations change. An
    // association's scope cannot be updated in place, and the replacement has the same ID
    // (cluster, principal, policy): deleteBeforeReplace, or the old one's delete would remove the new.
    const entry = (principalArn: string, kubernetesGroups: string[]) => {
      const id = adminSlug(principalArn);
      return new aws.eks.AccessEntry(
        `${name}-access-${id}`,
        { clusterName: cluster.name, principalArn, type: "STANDARD", ...(kubernetesGroups.length > 0 ? { kubernetesGroups } : {}), tags },
        { parent: this, aliases: [{ name: `${name}-admin-${id}` }, { name: `${name}-user-${id}` }] },
      );
    };
    const associate = (principalArn: string, suffix: string, policyArn: string, accessScope: aws.types.input.eks.AccessPolicyAssociationAccessScope, after: pulumi.Resource) =>
      new aws.eks.AccessPolicyAssociation(
        `${name}-${suffix}-${adminSlug(principalArn)}-policy`,
        { clusterName: cluster.name, principalArn, policyArn, accessScope },
        { parent: this, dependsOn: [after], deleteBeforeReplace: true },
      );
    (args.admins ?? []).forEach((principalArn) => {
      associate(principalArn, "admin", CLUSTER_ADMIN_POLICY_ARN, { type: "cluster" }, entry(principalArn, []));
    });
    // `cluster.users`: the edit policy in their stacks' namespaces only, never cluster-wide, and the
    // namespaces' groups, which Kueue's batch-user role is bound to (k8s/namespace.ts usersGroup).
    (args.users ?? []).forEach(({ principalArn, namespaces }) => {
      const created = entry(principalArn, namespaces.map(usersGroup));
      associate(principalArn, "user", NAMESPACE_EDIT_POLICY_ARN, { type: "namespace", namespaces: [...namespaces] }, created);
    });

    const nodeRole = new aws.iam.Role(`${name}-node-role`, { assumeRolePolicy: JSON.stringify(serviceTrust("ec2.amazonaws.com")), tags }, parent);
    const nodePolicies = NODE_ROLE_POLICIES.map(
      (p) => new aws.iam.RolePolicyAttachment(`${name}-node-role-${p}`, { role: nodeRole.name, policyArn: managedPolicyArn(p) }, parent),
    );
    const cniTrust = cluster.arn.apply((clusterArn) => JSON.stringify(podIdentityTrust({ clusterArn, namespace: ADDON_NAMESPACE, serviceAccount: "aws-node" })));
    const cniRole = new aws.iam.Role(`${name}-cni-role`, { assumeRolePolicy: cniTrust, tags }, parent);
    const cniPolicies = CNI_POLICIES.map((p) => new aws.iam.RolePolicyAttachment(`${name}-cni-role-${p}`, { role: cniRole.name, policyArn: managedPolicyArn(p) }, parent));

    const addon = (addonName: AddonName, extra: Partial<aws.eks.AddonArgs> = {}, dependsOn: pulumi.Resource[] = []) =>
      new aws.eks.Addon(
        `${name}-${addonName}`,
        { clusterName: cluster.name, addonName, addonVersion: addonVersion(args.kubernetesVersion, addonName), ...ADDON_CONFLICTS, tags, ...extra },
        { parent: this, dependsOn },
      );
    const podIdentityAgent = addon("eks-pod-identity-agent");
    // enableNetworkPolicy: the add-on's network policy agent enforces NetworkPolicy objects (the
    // stack namespaces' isolation, k8s/namespace.ts); without it they are accepted and ignored
    // (https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html). Hybrid nodes run
    // another CNI, which enforces them or not (docs/hybrid-nodes.md).
    const vpcCni = addon(
      "vpc-cni",
      { podIdentityAssociations: [{ roleArn: cniRole.arn, serviceAccount: "aws-node" }], configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) },
      [podIdentityAgent, ...cniPolicies],
    );
    const kubeProxy = addon("kube-proxy");
    this.nodePrerequisites = [...nodePolicies, podIdentityAgent, vpcCni, kubeProxy];

    const systemTemplate = new aws.ec2.LaunchTemplate(
      `${name}-system-lt`,
      { blockDeviceMappings: rootVolume(50), metadataOptions: METADATA_OPTIONS, tags, tagSpecifications: [{ resourceType: "instance", tags: { ...tags, Name: `${args.clusterName}-system` } }] },
      parent,
    );
    const count = args.systemNodes.count;
    this.systemNodeGroup = new aws.eks.NodeGroup(
      `${name}-system`,
      {
        clusterName: cluster.name,
        nodeGroupName: "system",
        version: args.kubernetesVersion,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.subnetIds,
        amiType: "AL2023_x86_64_STANDARD",
        instanceTypes: [args.systemNodes.instanceType],
        capacityType: "ON_DEMAND",
        scalingConfig: { minSize: count, maxSize: count, desiredSize: count },
        labels: { ...SYSTEM_NODE_LABELS },
        launchTemplate: { id: systemTemplate.id, version: systemTemplate.latestVersion.apply(String) },
        updateConfig: { maxUnavailable: 1 },
        tags,
      },
      { parent: this, dependsOn: this.nodePrerequisites },
    );
    const coredns = addon("coredns", {}, [this.systemNodeGroup]);

    const kubeconfig = pulumi
      .all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data, this.systemNodeGroup.id, coredns.id])
      .apply(([clusterName, endpoint, ca]) => kubeconfigYaml({ clusterName, region: args.region, endpoint, certificateAuthorityData: ca ?? "" }));

    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.clusterSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId ?? "");
    this.nodeRoleArn = nodeRole.arn;
    this.nodeRoleName = nodeRole.name;
    this.kubeconfig = pulumi.secret(kubeconfig);
    this.registerOutputs({ clusterName: this.clusterName, clusterArn: this.clusterArn, kubeconfig: this.kubeconfig });
  }
}
