/**
 * `type: fsx`: an existing FSx for Lustre file system, mounted through a statically provisioned
 * PersistentVolume of its CSI driver
 * (https://github.com/kubernetes-sigs/aws-fsx-csi-driver/tree/master/examples/kubernetes/static_provisioning).
 * The mount is a Lustre mount on the node and calls no AWS API, so the driver gets no role. Before
 * anything is created the file system is read from the account: the nodes must sit in its VPC,
 * the names the stack writes must be its own, and its security groups must let the nodes in on
 * the Lustre ports.
 */
import { z } from "zod";
import { Problem, show } from "../errors";
import { int } from "../fields";
import { dns1123Subdomain } from "../k8s-validation";
import { AccountReader, SourceIngress, volumeSourceKind } from "./kind";

export const FSX_CSI_DRIVER = "fsx.csi.aws.com";

/**
 * Lustre clients reach the file system on TCP 988 and 1018-1023, and the file system reaches them
 * on the same ports: https://docs.aws.amazon.com/fsx/latest/LustreGuide/limit-access-security-groups.html
 * (the file system's rules, and "Lustre client VPC security group rules"; an older copy of the page,
 * awsdocs/amazon-fsx-lustre-user-guide via siagholami/aws-documentation, lists 1021-1023 for the
 * clients, which 1018-1023 covers).
 */
export const LUSTRE_PORTS: readonly { readonly from: number; readonly to: number }[] = [
  { from: 988, to: 988 },
  { from: 1018, to: 1023 },
];

const schema = z.strictObject({
  type: z.literal("fsx").meta({
    description: "an existing FSx for Lustre file system; EKS clusters only; at most one volume per file system (the kubelet mounts a volume handle once)",
  }),
  fileSystemId: z
    .string()
    .regex(/^fs-[0-9a-f]{8,17}$/, { message: "must be an FSx file system id such as fs-0123456789abcdef0" })
    .meta({ description: "the file system's id (`fs-…`)" }),
  dnsName: z.string().min(1).meta({ description: "the file system's DNS name" }),
  mountName: z.string().min(1).meta({ description: "the file system's mount name" }),
  sizeGiB: int(1, 1_000_000).default(1200).meta({ description: "capacity of the file system, for the PersistentVolume" }),
});

/** What the account says of one file system; a field it did not give is undefined ("unknown"). */
export interface FileSystemFact {
  readonly id: string;
  readonly vpcId?: string;
  readonly dnsName?: string;
  readonly mountName?: string;
  /** Security groups of its network interfaces; undefined when unknown. */
  readonly securityGroupIds?: readonly string[];
  /** Why the read of the file system failed (no such file system, no right to read it). */
  readonly readError?: string;
  /** The TCP ingress its security groups already hold from other groups; undefined when unknown. */
  readonly ingress?: readonly GroupIngress[];
}

/** One ingress rule of a file system's security group that lets another group in. */
export interface GroupIngress {
  readonly securityGroupId: string;
  /** The group let in. */
  readonly from: string;
  /** `tcp`, or `-1` for every protocol (and port). */
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** Whether this stack's own resource (its `gtc:stack` tag): kept only while the stack still needs it. */
  readonly own: boolean;
}

/** Whether a rule some other stack owns already lets `from` in on `ports` of `group`. */
function openedByOthers(rules: readonly GroupIngress[], group: string, from: string, ports: { from: number; to: number }): GroupIngress | undefined {
  return rules.find(
    (r) => !r.own && r.securityGroupId === group && r.from === from && (r.protocol === "-1" || (r.protocol === "tcp" && r.fromPort <= ports.from && r.toPort >= ports.to)),
  );
}

const stringList = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/**
 * The ingress rules of the file system's groups that let another group in, each read with
 * aws.vpc.getSecurityGroupRules (EC2 DescribeSecurityGroupRules, filter `group-id`) and
 * aws.vpc.getSecurityGroupRule. A lookup that fails leaves the list unknown.
 */
async function groupIngress(groups: readonly string[], { aws, attempt, ownTag }: AccountReader): Promise<GroupIngress[] | undefined> {
  const found = await attempt(`the rules of ${groups.join(", ")}`, () => aws.vpc.getSecurityGroupRules({ filters: [{ name: "group-id", values: [...groups] }] }));
  const ids = stringList(found?.ids);
  if (!ids) return undefined;
  const rules = await Promise.all(ids.map((id) => attempt(`security group rule ${id}`, () => aws.vpc.getSecurityGroupRule({ securityGroupRuleId: id }))));
  if (rules.some((r) => r === undefined)) return undefined;
  return rules.flatMap((r) =>
    r && !r.isEgress && str(r.referencedSecurityGroupId)
      ? [{ securityGroupId: r.securityGroupId, from: r.referencedSecurityGroupId, protocol: String(r.ipProtocol), fromPort: Number(r.fromPort), toPort: Number(r.toPort), own: r.tags?.[ownTag[0]] === ownTag[1] }]
      : [],
  );
}

export const fsxSource = volumeSourceKind<typeof schema, FileSystemFact>({
  schema,
  needsEks: true,
  renames: true,
  apiRules: (use) =>
    dns1123Subdomain(use.source.dnsName).map((p) => ({
      path: `${use.path}.source.dnsName`,
      message: `${p} (got ${show(use.source.dnsName)}; the file system's DNS name, e.g. fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com)`,
    })),
  volumesRules: (uses) => {
    // The kubelet knows a CSI volume by driver and volumeHandle (the file system id): a second
    // PV of the same file system in one pod is never mounted and the pod hangs in ContainerCreating.
    const seen = new Set<string>();
    const problems: Problem[] = [];
    for (const use of uses) {
      const id = use.source.fileSystemId;
      if (seen.has(id)) problems.push({ path: `${use.path}.source.fileSystemId`, message: `mounts the same FSx file system as another volume (got ${show(id)}; mount it once, at a common parent path)` });
      seen.add(id);
    }
    return problems;
  },
  // The PV mounts the whole file system (`mountname` is the file system's, not a directory's), and
  // Lustre authorizes clients by node, not by pod: an FSx output is shared with every stack on the
  // cluster that mounts the same file system (docs/training-job.md, "Volumes").
  planWarnings: (uses) =>
    uses
      .filter((use) => use.role === "output")
      .map(
        (use) =>
          `${use.path}.source.fileSystemId: the output mounts all of FSx file system ${use.source.fileSystemId}, read-write; every stack on the cluster that mounts it can read and write all of it (give each team its own file system, or use an s3 output, to keep outputs apart)`,
      ),
  persistentVolume: (use) => ({
    capacity: `${use.source.sizeGiB}Gi`,
    volumeMode: "Filesystem",
    // The FSx driver accepts only single-node and multi-writer modes; read-only comes from
    // csi.readOnly and the pod's claim (mounted `ro`).
    accessModes: ["ReadWriteMany"],
    mountOptions: ["flock"],
    csi: {
      driver: FSX_CSI_DRIVER,
      volumeHandle: use.source.fileSystemId,
      volumeAttributes: { dnsname: use.source.dnsName, mountname: use.source.mountName },
      ...(use.role === "dataset" ? { readOnly: true } : {}),
    },
  }),
  account: {
    /**
     * Each file system read with `LustreFileSystem.get` (a read, never a create: @pulumi/aws 7.48
     * has no Lustre data source, only getOntapFileSystem and getWindowsFileSystem under fsx/), its
     * security groups from its first network interface (aws.ec2.getNetworkInterface).
     */
    read: (uses, reader) => {
      const { aws, stack, known, attempt } = reader;
      return Promise.all(
        [...new Set(uses.map((u) => u.source.fileSystemId))].map(async (id): Promise<FileSystemFact> => {
          const fs = aws.fsx.LustreFileSystem.get(`${stack}-fsx-${id}`, id);
          let vpcId, dnsName, mountName, enis;
          try {
            [vpcId, dnsName, mountName, enis] = await Promise.all([known(fs.vpcId), known(fs.dnsName), known(fs.mountName), known(fs.networkInterfaceIds)]);
          } catch (e) {
            return { id, readError: e instanceof Error ? e.message : String(e) };
          }
          const eni = stringList(enis)?.[0];
          const groups = eni ? stringList((await attempt(`network interface ${eni} of ${id}`, () => aws.ec2.getNetworkInterface({ id: eni })))?.securityGroups) : undefined;
          // The nodes' group too, where it exists: its rules from the file system's groups.
          const ingress = groups ? await groupIngress([...groups, ...(reader.nodesSecurityGroupId ? [reader.nodesSecurityGroupId] : [])], reader) : undefined;
          return { id, vpcId: str(vpcId), dnsName: str(dnsName), mountName: str(mountName), securityGroupIds: groups, ingress };
        }),
      );
    },
    rules: (uses, facts, network) => {
      const problems: Problem[] = [];
      const warnings: string[] = [];
      const groups = new Set<string>();
      for (const use of uses) {
        const ref = use.source;
        const fs = facts.find((f) => f.id === ref.fileSystemId) ?? { id: ref.fileSystemId };
        const at = `${use.path}.source`;
        if (fs.readError !== undefined) {
          problems.push({ path: `${at}.fileSystemId`, message: `could not be read (got ${show(ref.fileSystemId)}; the read said: ${fs.readError}). Name an FSx for Lustre file system of this account and region` });
          continue;
        }
        if (network.reused && network.vpcId === undefined) {
          warnings.push(`stack ${network.reused.stack} exports no VPC (it was last updated before it exported one): check that FSx file system ${fs.id} is in its VPC, or run \`pulumi up\` on it first`);
        } else if (!network.known) {
          // cluster.vpc was refused: where the nodes will be is not known, and its problem is reported already.
        } else if (fs.vpcId === undefined) {
          warnings.push(`the VPC of FSx file system ${fs.id} could not be read: make sure the nodes can reach it on TCP 988 and 1018-1023`);
        } else if (!network.vpcId) {
          problems.push({
            path: `${at}.fileSystemId`,
            message:
              `${fs.id} lives in ${fs.vpcId}, but this stack creates a new VPC, from which the nodes cannot reach it (the Lustre mount would hang and keep the node paid for). ` +
              `Run the cluster in that VPC with cluster.vpc: { id: ${fs.vpcId}, privateSubnetIds: [two or more private subnets of it] }, or use a file system in the cluster's VPC`,
          });
        } else if (network.reused && network.vpcId !== fs.vpcId) {
          problems.push({
            path: `${at}.fileSystemId`,
            message: `${fs.id} lives in ${fs.vpcId}, but the cluster of stack ${network.reused.stack} runs in ${network.vpcId}, from which its nodes cannot reach it (the Lustre mount would hang and keep the node paid for); use a file system in ${network.vpcId}, or a cluster in ${fs.vpcId}`,
          });
        } else if (network.vpcId !== fs.vpcId) {
          problems.push({ path: `${at}.fileSystemId`, message: `${fs.id} lives in ${fs.vpcId}, not in cluster.vpc.id ${network.vpcId} (set cluster.vpc to ${fs.vpcId} and its subnets, or use a file system in ${network.vpcId})` });
        }
        if (fs.dnsName !== undefined && fs.dnsName !== ref.dnsName) {
          problems.push({ path: `${at}.dnsName`, message: `does not match file system ${fs.id} (got ${show(ref.dnsName)}; the file system's is ${show(fs.dnsName)})` });
        }
        if (fs.mountName !== undefined && fs.mountName !== ref.mountName) {
          problems.push({ path: `${at}.mountName`, message: `does not match file system ${fs.id} (got ${show(ref.mountName)}; the file system's is ${show(fs.mountName)})` });
        }
        if (fs.securityGroupIds === undefined) {
          warnings.push(`the security groups of FSx file system ${fs.id} could not be read: let the cluster security group in on TCP 988 and 1018-1023 yourself`);
        } else {
          for (const g of fs.securityGroupIds) groups.add(g);
        }
      }
      // The nodes carry the cluster security group; each group of the file system lets it in.
      // EC2 refuses a second rule for the same group, protocol, ports and peer
      // (InvalidPermission.Duplicate, hashicorp/terraform#1874): with a reused cluster, the cluster
      // stack or another stack may have opened them already, and then this stack adds none.
      const reusedGroup = network.reused?.securityGroupId;
      if (network.reused && !reusedGroup && groups.size > 0) {
        warnings.push(`stack ${network.reused.stack} exports no cluster security group: let its nodes in on TCP 988 and 1018-1023 of ${[...groups].sort().join(", ")} yourself, or run \`pulumi up\` on it first`);
        return { problems, warnings, ingress: [] };
      }
      const existing = facts.flatMap((f) => f.ingress ?? []);
      const range = (ports: { from: number; to: number }) => `TCP ${ports.from === ports.to ? ports.from : `${ports.from}-${ports.to}`}`;
      const held = (other: GroupIngress) => `${other.from} on ${other.protocol === "-1" ? "every port" : `${other.fromPort}-${other.toPort}`}`;
      const ingress: SourceIngress[] = [...groups].sort().flatMap((group) =>
        LUSTRE_PORTS.flatMap((ports): SourceIngress[] => {
          // Into the file system's group, from the nodes'.
          const other = reusedGroup ? openedByOthers(existing, group, reusedGroup, ports) : undefined;
          if (other) warnings.push(`Lustre ${range(ports)} of ${group} is open to the cluster's nodes by a rule this stack does not own (${held(other)}): it adds none, and the mounts depend on that rule staying`);
          // Into the nodes' group, from the file system's: the clients' inbound rules of the FSx
          // docs ("Lustre client VPC security group rules"). The EKS cluster security group lets in
          // only itself (sec-group-reqs.html, "Default cluster security group"); its outbound rule
          // to 0.0.0.0/0 covers the clients' outbound rules, and its self rule the client-to-client ones.
          const back = reusedGroup ? openedByOthers(existing, reusedGroup, group, ports) : undefined;
          if (back) warnings.push(`Lustre ${range(ports)} of the cluster's nodes is open to ${group} by a rule this stack does not own (${held(back)}): it adds none, and the mounts depend on that rule staying`);
          return [
            ...(other ? [] : [{ key: `lustre-${group}-${ports.from}`, securityGroupId: group, fromPort: ports.from, toPort: ports.to, description: "Lustre" }]),
            ...(back ? [] : [{ key: `lustre-clients-${group}-${ports.from}`, securityGroupId: group, toNodes: true, fromPort: ports.from, toPort: ports.to, description: "Lustre" }]),
          ];
        }),
      );
      return { problems, warnings, ingress };
    },
  },
  addon: {
    name: "aws-fsx-csi-driver",
    // v1.7.0-eksbuild.1: the add-on build the EKS user guide names as the first supported on hybrid
    // nodes (awsdocs/amazon-eks-user-guide pull request 1215, January 2026).
    versions: { "1.32": "v1.7.0-eksbuild.1", "1.33": "v1.7.0-eksbuild.1", "1.34": "v1.7.0-eksbuild.1", "1.35": "v1.7.0-eksbuild.1" },
  },
});
