/**
 * Launch template data for managed node groups (the EKS-optimized AL2023 AMIs; EKS supplies the
 * AMI and the nodeadm user data, so the template only carries disks, metadata options and, for
 * EFA, network interfaces and placement).
 * https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
 */

/** Root device of the AL2023 EKS AMIs. */
export const AL2023_ROOT_DEVICE = "/dev/xvda";

export function rootVolume(diskGiB: number) {
  return [
    {
      deviceName: AL2023_ROOT_DEVICE,
      ebs: { volumeSize: diskGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
    },
  ];
}

/**
 * IMDSv2 only, and a hop limit of 1 so that pods on the pod network cannot reach the instance
 * metadata service and borrow the node role; host-network agents (VPC CNI, Pod Identity agent,
 * EFA plugin) still can. Pods get AWS access only through Pod Identity.
 * https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#_restrict_access_to_the_instance_profile_assigned_to_the_worker_node
 */
export const METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

export interface NetworkInterfaceData<G = string> {
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
  readonly interfaceType: "efa";
  readonly deleteOnTermination: "true";
  readonly securityGroups: readonly G[];
}

/**
 * One EFA interface per network card. The primary interface is device index 0 on card 0; every
 * other card carries an EFA at device index 1 (p4d.24xlarge: 4 cards, p5.48xlarge: 32).
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html and
 * https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export function efaNetworkInterfaces<G>(count: number, securityGroups: readonly G[]): NetworkInterfaceData<G>[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`an EFA instance has at least one EFA interface (got ${count})`);
  return Array.from({ length: count }, (_, card) => ({
    deviceIndex: card === 0 ? 0 : 1,
    networkCardIndex: card,
    interfaceType: "efa" as const,
    deleteOnTermination: "true" as const,
    securityGroups,
  }));
}
