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

/**
 * `interface`: a plain ENA network interface (IP traffic); `efa-only`: only the EFA device, no ENA
 * and no IP address, so it takes nothing from the subnet or the VPC CNI's IP pool.
 */
export type InterfaceType = "interface" | "efa" | "efa-only";

export interface NetworkInterfaceData<G = string> {
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
  readonly interfaceType: InterfaceType;
  readonly deleteOnTermination: "true";
  readonly securityGroups: readonly G[];
}

/**
 * Network interfaces of an EFA node with one EFA device per network card, as the EC2 user guide
 * now recommends for instance types with several network cards
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html, "Maximize network
 * bandwidth on Amazon EC2 instances with multiple network cards"):
 * - the primary interface (card 0, device 0) is an ENA interface: it carries the node's IP traffic
 *   (kubelet, VPC CNI, image pulls); an EFA-only interface cannot be the primary;
 * - card 0 also carries an EFA-only interface at device index 1;
 * - every further card carries an EFA-only interface at device index 0.
 * So p4d.24xlarge (4 network cards) gets 4 EFA devices and p5.48xlarge (32) gets 32, plus the one
 * ENA interface. https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export function efaNetworkInterfaces<G>(count: number, securityGroups: readonly G[]): NetworkInterfaceData<G>[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`an EFA instance has at least one EFA interface (got ${count})`);
  const nic = (networkCardIndex: number, deviceIndex: number, interfaceType: InterfaceType): NetworkInterfaceData<G> => ({
    deviceIndex,
    networkCardIndex,
    interfaceType,
    deleteOnTermination: "true",
    securityGroups,
  });
  return [nic(0, 0, "interface"), nic(0, 1, "efa-only"), ...Array.from({ length: count - 1 }, (_, i) => nic(i + 1, 0, "efa-only"))];
}
