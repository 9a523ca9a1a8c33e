/**
 * The stack description: what a user writes under the `gpu-training-clusters:` namespace of
 * `stacks/Pulumi.<stack>.yaml`. Every object is strict (an unknown key is an error, so a typo is
 * never silently ignored) and every default is written here, next to the field it belongs to.
 * Rules that span fields live in rules.ts.
 */
import { z } from "zod";
import { GPU_TYPES } from "../catalog/gpus";
import { SMOKE_SCRIPT } from "./launcher-paths";
import { queueingSchema } from "./queueing";
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS, SUPPORT_TYPES } from "../catalog/kubernetes-versions";

/** RFC 1035 label: what Kubernetes requires of Service names and what we require of every name. */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const ABSOLUTE_PATH = /^\/[^\0]*$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const CAPABILITY = /^\d{1,2}\.\d$/;

const dnsLabel = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(DNS1035_LABEL, { message: "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter" });

const cidr = z.string().regex(CIDR, { message: "must be an IPv4 CIDR such as 10.0.0.0/16" });
const absolutePath = z.string().regex(ABSOLUTE_PATH, { message: "must be an absolute path" });
const int = (min: number, max: number) => z.number().int().min(min).max(max);

// IAM role or user: what an EKS access entry accepts as a principal (not an STS session ARN).
// https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
export const IAM_PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_\/-]+$/;

export const existingVpcSchema = z.strictObject({
  id: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id such as vpc-0123456789abcdef0" }),
  /** Private subnets for the control plane's interfaces and the nodes, in two zones or more. */
  privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id such as subnet-0123456789abcdef0" })).min(2),
});

export const endpointSchema = z.strictObject({
  /** @default true */
  publicAccess: z.boolean().default(true),
  /** CIDRs allowed to reach a public endpoint. @default ["0.0.0.0/0"] */
  publicAccessCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]),
  /** @default true */
  privateAccess: z.boolean().default(true),
});

export const hybridNetworkSchema = z.strictObject({
  /** On-premises networks the hybrid machines live in (RFC 1918, overlapping nothing). */
  remoteNodeCidrs: z.array(cidr).min(1),
  /** Pod networks on those machines, when the CNI there routes pods (e.g. Cilium). @default [] */
  remotePodCidrs: z.array(cidr).default([]),
  /**
   * Transit Gateway that reaches the on-premises networks (VPN or Direct Connect behind it): the
   * program attaches the VPC to it and routes the remote CIDRs through it. Omitted: add the
   * attachment and routes yourself (docs/hybrid-nodes.md).
   */
  transitGatewayId: z.string().regex(/^tgw-[0-9a-f]{8,17}$/, { message: "must be a Transit Gateway id such as tgw-0123456789abcdef0" }).optional(),
});

export const createClusterSchema = z.strictObject({
  mode: z.literal("create"),
  /** EKS Kubernetes version, pinned (catalog/kubernetes-versions.ts). @default "1.35" */
  kubernetesVersion: z.enum(KUBERNETES_VERSIONS).default(DEFAULT_KUBERNETES_VERSION),
  /**
   * EKS upgrade policy: STANDARD is upgraded by EKS at the end of standard support; EXTENDED stays
   * on the version at the extended-support price. @default "STANDARD"
   */
  supportType: z.enum(SUPPORT_TYPES).default("STANDARD"),
  /** IAM roles and users given cluster-admin access (EKS access entries). @default [] */
  admins: z.array(z.string().regex(IAM_PRINCIPAL_ARN, { message: "must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci" })).default([]),
  /**
   * Run in an existing VPC (e.g. the one an FSx file system lives in) instead of creating one: no
   * VPC, subnets or NAT gateways are created. The subnets need a route to the internet (NAT).
   */
  vpc: existingVpcSchema.optional(),
  /** @default "10.0.0.0/16" */
  vpcCidr: cidr.default("10.0.0.0/16"),
  /** Availability zones for the node subnets. @default 2 */
  availabilityZones: int(2, 6).default(2),
  /** One NAT gateway (cheap) or one per zone (survives a zone outage). @default "single" */
  natGateways: z.enum(["single", "per-zone"]).default("single"),
  /** Kubernetes service CIDR; must not overlap the VPC or the hybrid networks. @default "172.20.0.0/16" */
  serviceCidr: cidr.default("172.20.0.0/16"),
  endpoint: endpointSchema.prefault({}),
  /** The on-demand CPU node group for system pods (CoreDNS, autoscaler, device plugin controller). */
  systemNodes: z
    .strictObject({
      /** @default "m6i.large" */
      instanceType: z.string().min(1).default("m6i.large"),
      /** @default 2 */
      count: int(1, 10).default(2),
    })
    .prefault({}),
  /** Networks for EKS Hybrid Nodes (RTX 4090 machines outside AWS). Required by `kind: hybrid` pools. */
  hybrid: hybridNetworkSchema.optional(),
});

export const reuseClusterSchema = z.strictObject({
  mode: z.literal("reuse"),
  /** The stack of this project that created the cluster (its file is stacks/Pulumi.<stack>.yaml). */
  stack: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: "must be a stack name of this project" }),
  /** The Pulumi organization of that stack; omitted for the current one. */
  organization: z.string().min(1).optional(),
});

export const existingClusterSchema = z.strictObject({
  mode: z.literal("existing"),
  /** Path of the kubeconfig file; the provider's default (KUBECONFIG, ~/.kube/config) when omitted. */
  kubeconfigPath: z.string().min(1).optional(),
  /** Context in that kubeconfig; its current context when omitted. */
  context: z.string().min(1).optional(),
  /**
   * Install the NVIDIA device plugin (once per cluster: set false in every further stack that
   * targets the same cluster, or where the cluster already runs one). @default true
   */
  installDevicePlugin: z.boolean().default(true),
  /**
   * RuntimeClass that runs containers with the NVIDIA runtime, for clusters where it is not
   * containerd's default (k3s: "nvidia"). Set on the device plugin and the training pods.
   * @default none: the NVIDIA runtime is the default runtime
   */
  runtimeClassName: dnsLabel(63).optional(),
});

export const clusterSchema = z.discriminatedUnion("mode", [createClusterSchema, reuseClusterSchema, existingClusterSchema]);

export const POOL_KINDS = ["managed", "hybrid", "existing"] as const;

export const nodePoolSchema = z.strictObject({
  name: dnsLabel(20),
  gpu: z.enum(GPU_TYPES),
  /**
   * managed: an EKS managed node group; hybrid: machines outside AWS joined as EKS Hybrid Nodes;
   * existing: nodes already in an existing cluster. @default "managed", or "existing" in an existing cluster
   */
  kind: z.enum(POOL_KINDS).optional(),
  /** GPUs each node has for jobs; picks the instance type. @default 1 */
  gpusPerNode: int(1, 16).default(1),
  /** Pin the EC2 type instead of taking the cheapest that fits (managed pools). */
  instanceType: z.string().min(1).optional(),
  /** @default 0 — GPU pools cost nothing while idle */
  minNodes: int(0, 100).default(0),
  /** @default 1 */
  maxNodes: int(1, 100).default(1),
  /** @default "on-demand" */
  capacity: z.enum(["on-demand", "spot"]).default("on-demand"),
  /** Root volume size; PyTorch images are several GB each. @default 200 */
  diskGiB: int(50, 16384).default(200),
  /** NVIDIA driver on hybrid/existing machines, for the compatibility gate (managed: the AMI's). */
  driverVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, { message: "must be a driver version such as 570.86.15" }).optional(),
  /** Labels that select this pool's nodes in an existing cluster. @default { "gpu-training-clusters.io/pool": <name> } */
  nodeSelector: z.record(z.string(), z.string()).optional(),
});

export const volumeSourceSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("s3"),
    /** Checked against all of S3's naming rules in api-rules.ts. */
    bucket: z.string().min(1),
    /** Key prefix to mount, without a leading '/'. @default the whole bucket */
    prefix: z.string().regex(/^[^/].*\/$/, { message: "must end with '/' and not start with one" }).optional(),
  }),
  z.strictObject({
    type: z.literal("fsx"),
    fileSystemId: z.string().regex(/^fs-[0-9a-f]{8,17}$/, { message: "must be an FSx file system id such as fs-0123456789abcdef0" }),
    dnsName: z.string().min(1),
    mountName: z.string().min(1),
    /** Capacity of the file system, for the PersistentVolume. @default 1200 */
    sizeGiB: int(1, 1_000_000).default(1200),
  }),
  z.strictObject({
    type: z.literal("pvc"),
    claimName: z.string().min(1).max(253),
  }),
  z.strictObject({
    type: z.literal("hostPath"),
    path: absolutePath,
  }),
]);

export const volumeSchema = z.strictObject({
  name: dnsLabel(30),
  mountPath: absolutePath,
  source: volumeSourceSchema,
});

export const customImageSchema = z.strictObject({
  repository: z.string().min(1),
  digest: z.string().regex(SHA256_DIGEST, { message: "must be a sha256 digest (sha256:<64 hex>)" }),
  /** CUDA runtime the image's PyTorch was built with, e.g. "12.8". */
  cudaRuntime: z.string().regex(/^\d{2}\.\d$/, { message: "must be a CUDA version such as 12.8" }),
  /** Compute capabilities the build has kernels for, e.g. ["8.0", "9.0"] (torch.cuda.get_arch_list()). */
  archs: z.array(z.string().regex(CAPABILITY, { message: "must be a compute capability such as 8.6" })).min(1),
  torchVersion: z.string().min(1).optional(),
  /** The image has libfabric and aws-ofi-nccl, so NCCL can use EFA (images/efa/Dockerfile builds one). @default false */
  efa: z.boolean().default(false),
});


export const experimentSchema = z.strictObject({
  name: dnsLabel(40),
  pool: z.string().min(1),
  /** @default 1 */
  nodes: int(1, 64).default(1),
  /** GPUs per node, = torchrun --nproc_per_node. @default the pool's gpusPerNode */
  gpusPerNode: int(1, 16).optional(),
  /** A catalog key (see catalog/images.ts) or a custom image pinned by digest. @default "pytorch-2.8-cuda12.8" */
  image: z.union([z.string().min(1), customImageSchema]).default("pytorch-2.8-cuda12.8"),
  /** Training script in the image, run by torch.distributed.run. @default the smoke workload */
  script: z.string().min(1).default(SMOKE_SCRIPT),
  /** Arguments after the script. @default ["--seconds", "60"] for the smoke workload, else [] */
  args: z.array(z.string()).optional(),
  /** @default {} */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name: letters, digits and '_', not starting with a digit" }), z.string()).default({}),
  /** Read-only dataset mounts. @default [] */
  datasets: z.array(volumeSchema).default([]),
  /** The writable volume for checkpoints and logs; never deleted with the stack. */
  output: volumeSchema.optional(),
  /** Hard limit on the run (the Job's activeDeadlineSeconds). @default 1440 */
  maxRunTimeMinutes: int(1, 43_200).default(1440),
  /** Size of /dev/shm. @default sized from the node's memory (see k8s) */
  shmGiB: z.number().positive().max(1024).optional(),
  /**
   * A local directory (absolute, or relative to the project directory) shipped with the run and
   * unpacked as torchrun's working directory; a relative `script` is a file of it. `.gitignore`
   * rules apply. See docs/configuration.md, "Your own code". @default none: the script is in the image
   */
  workdir: z.string().min(1).optional(),
  /**
   * Shell commands the launcher runs in every pod before torchrun, in the workdir (e.g.
   * `pip install -r requirements.txt`); the first that fails fails the pod. @default []
   */
  setup: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  /**
   * Multi-node runs (a JobSet): restarts of the whole group after a training failure, before the
   * run fails. Restarts after a node disruption (spot reclaim, drain) are not counted. @default 1
   */
  maxRestarts: int(1, 20).default(1),
  /**
   * How NCCL talks between nodes: over EFA, or over TCP sockets (an explicit opt-out on an EFA
   * pool). @default "efa" for a multi-node run on a pool whose instance has EFA, else "tcp"
   */
  network: z.enum(["efa", "tcp"]).optional(),
});

export const idleSchema = z.strictObject({
  /** Minutes a GPU node may sit without GPU pods before it is removed. @default 5 */
  nodeIdleMinutes: int(1, 60).default(5),
  /** Minutes a cluster may sit with no GPU work before `npm run reap` destroys its stack. @default 60 */
  clusterIdleMinutes: int(10, 43_200).default(60),
  /** A protected stack is never reaped. @default false */
  protected: z.boolean().default(false),
});

/** The whole namespace. Each key is one `gpu-training-clusters:<key>` config entry. */
export const stackSchema = z.strictObject({
  /** @default { mode: "create" } */
  cluster: clusterSchema.prefault({ mode: "create" }),
  nodePools: z.array(nodePoolSchema).default([]),
  experiment: experimentSchema.optional(),
  idle: idleSchema.prefault({}),
  /**
   * Environment variables of the training pods whose values are Pulumi secrets
   * (`pulumi config set --secret --path secretEnv.WANDB_API_KEY ...`). Checked by
   * config/secret-env.ts, never by the schema, so that no value can appear in an error.
   */
  secretEnv: z.unknown().optional(),
  /** Kueue and JobSet on the cluster (config/queueing.ts). @default install both, LocalQueue "training" */
  queueing: queueingSchema.optional(),
});

export type StackInput = z.infer<typeof stackSchema>;
export type ClusterInput = z.infer<typeof clusterSchema>;
export type CreateClusterInput = z.infer<typeof createClusterSchema>;
export type NodePoolInput = z.infer<typeof nodePoolSchema>;
export type ExperimentInput = z.infer<typeof experimentSchema>;
export type VolumeInput = z.infer<typeof volumeSchema>;
export type VolumeSource = z.infer<typeof volumeSourceSchema>;
export type CustomImageInput = z.infer<typeof customImageSchema>;
export type IdlePolicy = z.infer<typeof idleSchema>;
