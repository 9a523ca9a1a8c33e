/**
 * The stack description: what a user writes under the `gpu-training-clusters:` namespace of
 * `stacks/Pulumi.<stack>.yaml`. Every object is strict (an unknown key is an error, so a typo is
 * never silently ignored) and every default is written here, next to the field it belongs to.
 * Each field's `.meta()` says what it means (config/meta.ts); schema/stack.schema.json and the
 * tables of docs/configuration.md are generated from it (`npm run generate`).
 * Rules that span fields live in rules.ts.
 */
import { z } from "zod";
import { GPU_TYPES } from "../catalog/gpus";
import { CLOUDWATCH_OBSERVABILITY } from "../catalog/versions";
import { absolutePath, cidr, dnsLabel, dnsSubdomain, int } from "./fields";
import { SMOKE_ARGS, SMOKE_SCRIPT } from "./launcher-paths";
import { SOURCE_TYPES, volumeSourceSchema } from "./sources";
import { DEFAULT_HOST_PATH_PREFIXES } from "./sources/host-path";
import { CLUSTER_LOG_TYPES, DEFAULT_LOG_RETENTION_DAYS, KMS_KEY_ARN, LOG_RETENTION_DAYS } from "./control-plane";
import { DEFAULT_LOCAL_QUEUE, queueingSchema } from "./queueing";
import { code, yamlLiteral } from "./meta";
import { POOL_LABEL } from "./names";
import { sweepSchema } from "./sweep";
import {
  DEFAULT_KUBERNETES_VERSION,
  EKS_EXTENDED_PER_HOUR,
  EKS_STANDARD_PER_HOUR,
  KUBERNETES_VERSIONS,
  SUPPORT_TYPES,
} from "../catalog/kubernetes-versions";

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const CAPABILITY = /^\d{1,2}\.\d$/;


// IAM role or user: what an EKS access entry accepts as a principal (not an STS session ARN).
// https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
export const IAM_PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_\/-]+$/;

const price = (perHour: number) => `$${perHour.toFixed(2)}/h`;

export const existingVpcSchema = z.strictObject({
  id: z
    .string()
    .regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id such as vpc-0123456789abcdef0" })
    .meta({ description: "the VPC's id (`vpc-…`)" }),
  privateSubnetIds: z
    .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id such as subnet-0123456789abcdef0" }))
    .min(2)
    .meta({ description: "private subnets (`subnet-…`) for the control plane's interfaces and the nodes, in two zones or more, with a route to the internet (NAT)" }),
});

export const endpointSchema = z.strictObject({
  publicAccess: z.boolean().default(true).meta({ description: "public API endpoint" }),
  publicAccessCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]).meta({ description: "who may reach the public endpoint — restrict it" }),
  privateAccess: z
    .boolean()
    .default(true)
    .meta({
      description: "private endpoint inside the VPC. With `hybrid`: public **or** private, not both (EKS hybrid nodes requirement), so there it defaults to `false`",
    }),
});

export const hybridNetworkSchema = z.strictObject({
  remoteNodeCidrs: z
    .array(cidr)
    .min(1)
    .meta({ description: "on-premises networks of EKS Hybrid Nodes; required by `kind: hybrid` pools. RFC 1918, overlapping nothing" }),
  remotePodCidrs: z.array(cidr).default([]).meta({ description: "pod networks on those machines, when their CNI routes pods (e.g. Cilium)" }),
  transitGatewayId: z
    .string()
    .regex(/^tgw-[0-9a-f]{8,17}$/, { message: "must be a Transit Gateway id such as tgw-0123456789abcdef0" })
    .optional()
    .meta({
      description:
        "a Transit Gateway (`tgw-…`) that reaches those networks (VPN or Direct Connect behind it): the VPC is attached to it and the remote CIDRs routed through it. Omitted: you add the attachment and routes ([docs/hybrid-nodes.md](hybrid-nodes.md))",
    }),
});

export const createClusterSchema = z.strictObject({
  mode: z.literal("create").meta({ description: "a new EKS cluster" }),
  kubernetesVersion: z
    .enum(KUBERNETES_VERSIONS)
    .default(DEFAULT_KUBERNETES_VERSION)
    .meta({
      description: `EKS version, pinned (${code(KUBERNETES_VERSIONS[0])}–${code(KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1])}; a string, so quoted in YAML); past its end of standard support it needs \`supportType: EXTENDED\` ([aws.md](aws.md#kubernetes-versions-and-support-types))`,
    }),
  supportType: z
    .enum(SUPPORT_TYPES)
    .default("STANDARD")
    .meta({
      description: `EKS upgrade policy: \`STANDARD\` (EKS upgrades the cluster when standard support ends; no surcharge) or \`EXTENDED\` (stays on the version at ${price(EKS_EXTENDED_PER_HOUR)} instead of ${price(EKS_STANDARD_PER_HOUR)} once in extended support)`,
    }),
  admins: z
    .array(z.string().regex(IAM_PRINCIPAL_ARN, { message: "must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci" }))
    .default([])
    .meta({
      description:
        "IAM role/user ARNs (`arn:aws:iam::<account>:role/<name>` or `:user/<name>`) given cluster-admin through EKS access entries: teammates, CI, the reaper, whoever runs a `reuse` stack ([aws.md](aws.md#who-can-reach-the-cluster))",
    }),
  users: z
    .array(
      z.strictObject({
        principalArn: z
          .string()
          .regex(IAM_PRINCIPAL_ARN, { message: "must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/alice" })
          .meta({ description: "the IAM role or user (`arn:aws:iam::<account>:role/<name>` or `:user/<name>`)" }),
        stacks: z.array(z.string().min(1)).min(1).meta({ description: "the experiment stacks this principal runs on the cluster: it may edit their namespaces only" }),
      }),
    )
    .default([])
    .meta({
      description:
        "IAM role/user ARNs given `AmazonEKSEditPolicy` in the namespaces of their `stacks` only, through EKS access entries: people who run experiments on a shared cluster without seeing each other's ([aws.md](aws.md#who-can-reach-the-cluster))",
    }),
  dockerHubCredentialsSecretArn: z
    .string()
    // The pattern ECR checks (API_PullThroughCacheRule, credentialArn).
    .regex(/^arn:aws:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/, {
      message: "must be the ARN of a Secrets Manager secret whose name begins with ecr-pullthroughcache/, such as arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
    })
    .optional()
    .meta({
      description:
        "a Secrets Manager secret (`ecr-pullthroughcache/…`, with your Docker Hub `username` and `accessToken`, in this account and region): GPU nodes then pull the catalog's docker.io images through an ECR pull-through cache in the region, by the catalog's tag (ECR fills its cache only on pulls by tag). Omitted: they pull from Docker Hub through the NAT, within its anonymous limit ([aws.md](aws.md#images-from-docker-hub))",
    }),
  vpc: existingVpcSchema.optional().meta({
    description:
      "run in an existing VPC (`vpc-…`, two or more `subnet-…` in two zones or more, with a NAT route): no VPC, subnets or NAT gateways are created, `vpcCidr`/`availabilityZones`/`natGateways` are not used. Needed when an FSx file system lives in that VPC",
    docRows: "list-keys",
  }),
  vpcCidr: cidr.default("10.0.0.0/16").meta({ description: "RFC 1918, a /16 to /22 (smaller leaves the public subnets below AWS's /28 minimum)" }),
  availabilityZones: int(2, 6)
    .default(2)
    .meta({
      description:
        "zones for the node subnets (2–6); chosen among the zones EKS accepts so that every pool's instance type is offered in one (may add zones for that)",
    }),
  natGateways: z.enum(["single", "per-zone"]).default("single").meta({ description: "`single` (cheap) or `per-zone` (survives a zone outage)" }),
  serviceCidr: cidr.default("172.20.0.0/16").meta({ description: "Kubernetes service CIDR, a /12 to /24 (EKS's range); must not overlap the VPC or hybrid networks" }),
  endpoint: endpointSchema.prefault({}).meta({ description: "the cluster's Kubernetes API endpoint", docRows: "expand" }),
  systemNodes: z
    .strictObject({
      instanceType: z.string().min(1).default("m6i.large").meta({ description: "on-demand CPU nodes for system pods (CoreDNS, autoscaler, device plugin controller)" }),
      count: int(1, 10).default(2).meta({ description: "how many of them (1–10)" }),
    })
    .prefault({})
    .meta({ description: "the on-demand CPU node group for system pods", docRows: "expand" }),
  logs: z
    .strictObject({
      cloudWatch: z
        .boolean()
        .default(true)
        .meta({
          description: `install the EKS add-on ${code(CLOUDWATCH_OBSERVABILITY.addonName)}: Fluent Bit ships every container's log to CloudWatch Logs (\`/aws/containerinsights/<cluster>/application\`), where it outlives the pods and the cluster (CloudWatch Logs ingestion and storage, and Container Insights metrics, are billed by AWS)`,
        }),
      retentionDays: z
        .number()
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), { message: `must be a retention CloudWatch Logs accepts (allowed: ${LOG_RETENTION_DAYS.join(", ")}; 0: forever)` })
        .default(30)
        .meta({ description: `days CloudWatch keeps them: set on the log group when Fluent Bit creates it (${LOG_RETENTION_DAYS.join(", ")}; 0: forever)` }),
    })
    .prefault({})
    .meta({ description: "container logs kept in CloudWatch Logs", docRows: "expand" }),
  hybrid: hybridNetworkSchema
    .optional()
    .meta({ description: "networks for EKS Hybrid Nodes (machines outside AWS, e.g. RTX 4090s); required by `kind: hybrid` pools", docRows: "expand" }),
  controlPlaneLogs: z
    .strictObject({
      retentionDays: z
        .number()
        .int()
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), { message: `must be a CloudWatch Logs retention period: ${LOG_RETENTION_DAYS.join(", ")} (0: forever)` })
        .default(DEFAULT_LOG_RETENTION_DAYS)
        .meta({ description: `days CloudWatch keeps the log events (${LOG_RETENTION_DAYS.slice(1, 9).join(", ")}, … 3653; 0: forever)` }),
    })
    .prefault({})
    .meta({
      description: `the control plane's ${CLUSTER_LOG_TYPES.map(code).join(" and ")} logs, on, in the CloudWatch log group \`/aws/eks/<cluster>/cluster\` ([aws.md](aws.md#control-plane-logs-and-secrets-encryption))`,
      docRows: "expand",
    }),
  secretsKmsKeyArn: z
    .string()
    .regex(KMS_KEY_ARN, { message: "must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (the key's ARN, not an alias)" })
    .optional()
    .meta({
      description:
        "a customer-managed KMS key (symmetric, in the cluster's region) that encrypts the cluster's Secrets (`encryptionConfig`); once set it cannot be removed or changed without a new cluster ([aws.md](aws.md#control-plane-logs-and-secrets-encryption))",
      defaultText: "EKS's own envelope encryption",
    }),
});

export const reuseClusterSchema = z.strictObject({
  mode: z.literal("reuse").meta({ description: "the cluster of another stack of this project" }),
  stack: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, { message: "must be a stack name of this project" })
    .meta({ description: "the stack that created the cluster; its file `stacks/Pulumi.<stack>.yaml` must exist and have `mode: create`" }),
  organization: z.string().min(1).optional().meta({ description: "Pulumi organization of that stack", defaultText: "current" }),
});

export const existingClusterSchema = z.strictObject({
  mode: z.literal("existing").meta({ description: "any cluster, by kubeconfig" }),
  kubeconfigPath: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "path of the kubeconfig file", defaultText: "`KUBECONFIG` / `~/.kube/config`" }),
  context: z.string().min(1).optional().meta({ description: "context in that kubeconfig", defaultText: "current context" }),
  installDevicePlugin: z
    .boolean()
    .default(true)
    .meta({ description: "install the NVIDIA device plugin; set `false` in every further stack on the same cluster, or where one already runs" }),
  // Kubernetes checks a pod's runtimeClassName as a DNS-1123 subdomain (ValidateRuntimeClassName,
  // NameIsDNSSubdomain: pkg/apis/core/validation/validation.go), as it checks RuntimeClass names.
  runtimeClassName: dnsSubdomain
    .optional()
    .meta({
      description:
        "the RuntimeClass whose handler is the NVIDIA container runtime, where it is not containerd's default; set on the device plugin and every training pod. **k3s: `nvidia`**",
      defaultText: "none",
    }),
});

export const clusterSchema = z.discriminatedUnion("mode", [createClusterSchema, reuseClusterSchema, existingClusterSchema]);

export const POOL_KINDS = ["managed", "hybrid", "existing"] as const;

export const nodePoolSchema = z.strictObject({
  name: dnsLabel(20).meta({ description: "DNS-1035 label, at most 20 characters, unique" }),
  gpu: z.enum(GPU_TYPES).meta({ description: GPU_TYPES.map(code).join(", ") }),
  kind: z
    .enum(POOL_KINDS)
    .optional()
    .meta({
      description: "`managed`: EKS managed node group; `hybrid`: machines outside AWS joined as EKS Hybrid Nodes; `existing`: nodes of an existing cluster",
      defaultText: "`managed` (`existing` with `mode: existing`)",
    }),
  gpusPerNode: int(1, 16)
    .default(1)
    .meta({ description: "GPUs each node has for jobs; for managed pools it picks the cheapest instance type with at least that many" }),
  instanceType: z.string().min(1).optional().meta({ description: "pin an EC2 type (managed pools)", defaultText: "cheapest fit" }),
  // GPU pools cost nothing while idle: nodes start at zero.
  minNodes: int(0, 100).default(0).meta({ description: "nodes kept while idle; 0 costs nothing" }),
  maxNodes: int(1, 100).default(1).meta({ description: "most nodes; for hybrid/existing pools: the number of machines" }),
  capacity: z.enum(["on-demand", "spot"]).default("on-demand").meta({ description: "`on-demand`, or `spot` for managed pools" }),
  diskGiB: int(50, 16384).default(200).meta({ description: "root volume; PyTorch images are several GB" }),
  driverVersion: z
    .string()
    .regex(/^\d+(\.\d+){0,2}$/, { message: "must be a driver version such as 570.86.15" })
    .optional()
    .meta({
      description:
        "NVIDIA driver on hybrid/existing machines, checked by the gate (managed nodes run the EKS AL2023 NVIDIA AMI's 580 driver); quote it in YAML",
    }),
  nodeSelector: z
    .record(z.string(), z.string())
    .optional()
    .meta({ description: "existing pools: labels that select the pool's nodes", defaultText: code(`{${POOL_LABEL}: <name>}`) }),
  hostPathPrefixes: z
    .array(absolutePath)
    .min(1)
    .default([...DEFAULT_HOST_PATH_PREFIXES])
    .meta({ description: "hybrid and existing pools: the directories under which a `hostPath` volume may point (a pod that mounts `/etc` or `/var/lib/kubelet` owns the node)" }),
});

// Each option's meaning is on its `type` (the reference's notes column, and what an editor shows).
export const volumeSchema = z.strictObject({
  name: dnsLabel(30).meta({ description: "DNS-1035 label, at most 30 characters" }),
  mountPath: absolutePath.meta({ description: "where the volume is mounted in the container (absolute)" }),
  source: volumeSourceSchema.meta({ description: `where the data live: ${SOURCE_TYPES.map((t) => `\`${t}\``).join(", ").replace(/, ([^,]*)$/, " or $1")} (by \`type\`)` }),
});

export const customImageSchema = z.strictObject({
  repository: z.string().min(1).meta({ description: "image repository, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/train" }),
  digest: z.string().regex(SHA256_DIGEST, { message: "must be a sha256 digest (sha256:<64 hex>)" }).meta({ description: "the image's digest (`sha256:<64 hex>`)" }),
  cudaRuntime: z
    .string()
    .regex(/^\d{2}\.\d$/, { message: "must be a CUDA version such as 12.8" })
    .meta({ description: "CUDA runtime the image's PyTorch was built with, e.g. `\"12.8\"`" }),
  archs: z
    .array(z.string().regex(CAPABILITY, { message: "must be a compute capability such as 8.6" }))
    .min(1)
    .meta({ description: "compute capabilities the build has kernels for, e.g. `[\"8.0\", \"9.0\"]` (`torch.cuda.get_arch_list()`)" }),
  torchVersion: z.string().min(1).optional().meta({ description: "PyTorch version of the image, for the plan" }),
  efa: z
    .boolean()
    .default(false)
    .meta({ description: "the image has libfabric and aws-ofi-nccl, so NCCL can use EFA (images/efa/Dockerfile builds one)" }),
});


export const experimentSchema = z.strictObject({
  name: dnsLabel(40).meta({
    description:
      "DNS-1035 label, at most 40 characters; the run is named `<name>-<spec hash>`. Every derived name (`<name>-launcher`, the longest JobSet pod name, `<name>-<volume>`) must stay within 63 characters",
  }),
  pool: z.string().min(1).meta({ description: "a pool of this stack (or of the reused stack)" }),
  nodes: int(1, 64)
    .default(1)
    .meta({ description: "nodes; more than 1 makes a JobSet ([training-job.md](training-job.md))" }),
  gpusPerNode: int(1, 16)
    .optional()
    .meta({ description: "`torchrun --nproc_per_node`; at most the GPUs a node has", defaultText: "the pool's" }),
  image: z
    .union([z.string().min(1), customImageSchema])
    .default("pytorch-2.8-cuda12.8")
    .meta({
      description:
        "a catalog key (`pytorch-2.8-cuda12.8`, `pytorch-2.8-cuda12.6`, `pytorch-2.8-cuda12.8-efa` — built from `images/efa/Dockerfile` and pushed to ECR by the stack, EKS modes only, needs Docker where `pulumi up` runs —, alias `pytorch-2.8-cuda12.1` / `pytorch:2.8-cuda12.1`) or `{ repository, digest, cudaRuntime, archs, torchVersion?, efa? }`; `efa: true` says the image has libfabric and aws-ofi-nccl, as a build of `images/efa/Dockerfile` does",
    }),
  script: z
    .string()
    .min(1)
    .default(SMOKE_SCRIPT)
    .meta({ description: "training script run by `torch.distributed.run`: a path in the image, or, relative, a file of `workdir`" }),
  args: z
    .array(z.string())
    .optional()
    .meta({ description: "arguments after the script", defaultText: `${code(yamlLiteral(SMOKE_ARGS))} for the smoke workload, else \`[]\`` }),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name: letters, digits and '_', not starting with a digit" }), z.string())
    .default({})
    .meta({ description: "environment of every worker; torchrun's own variables (`RANK`, `MASTER_ADDR`, `TORCHELASTIC_*`, …) are refused" }),
  sweep: sweepSchema.optional().meta({
    description:
      "a grid of environment values: `{ env: { NAME: [values…] }, maxParallel? }`; every combination is a run of the experiment, with its own name, environment and checkpoint directory, all queued by Kueue ([training-job.md](training-job.md#sweeps))",
    docRows: "expand",
  }),
  datasets: z.array(volumeSchema).default([]).meta({ description: "read-only volumes: `{ name, mountPath, source }`" }),
  output: volumeSchema.optional().meta({ description: "the writable volume for checkpoints and logs; never deleted with the stack" }),
  maxRunTimeMinutes: int(1, 43_200).default(1440).meta({ description: "hard limit of the run (the Job's `activeDeadlineSeconds`)" }),
  budgetUSD: z
    .number()
    .positive()
    .max(10_000_000)
    .optional()
    .meta({
      description:
        "a dollar bound on the experiment's nodes over all attempts: the plan limits the run's admitted time (Kueue's `max-exec-time-seconds`) so that the worst case, pod shutdowns and idle tails included, stays within it, and prints that bound; refused below what one attempt of `maxRunTimeMinutes` needs",
    }),
  shmGiB: z.number().positive().max(1024).optional().meta({ description: "size of `/dev/shm`", defaultText: "sized from the node" }),
  gpuHealthCheck: z
    .boolean()
    .default(true)
    .meta({
      description:
        "after the preflight, every pod measures its GPUs (matmul, memory, peer copies, an all-reduce) against the GPU's datasheet figures and its siblings; a sick GPU fails the pod with one line, labels the node so the restart lands elsewhere, and counts as a disruption, not a training failure",
    }),
  workdir: z
    .string()
    .min(1)
    .optional()
    .meta({
      description:
        "a local directory (absolute, or relative to the project directory) shipped with the run and unpacked as torchrun's working directory; `.gitignore` rules apply (see [Your own code](#your-own-code-workdir-setup-secretenv))",
    }),
  workdirAllow: z
    .array(z.string().min(1))
    .default([])
    .meta({
      description:
        "files of `workdir` (paths relative to it) that look like credentials (`.env`, `*.pem`, `*.key`, `id_rsa`, `credentials`, … see [credential files](#credential-files)) but hold no secret, shipped anyway; any other such file is refused, since the workdir is stored in plain text",
    }),
  setup: z
    .union([z.string().min(1), z.array(z.string().min(1))])
    .optional()
    .meta({
      description: "a shell command or a list of them, run in every pod before torchrun, in the workdir; the first that fails fails the pod",
      defaultText: "`[]`",
    }),
  // JobSet's CRD: failurePolicy.maxRestarts minimum 0 (0: the first training failure fails the run).
  maxRestarts: int(0, 20)
    .default(1)
    .meta({
      description:
        "multi-node runs: restarts of the whole group after a training failure (0–20; 0 fails the run at the first); restarts after a node disruption (spot reclaim, drain, node loss) count against `maxDisruptionRestarts` instead",
    }),
  freshStart: z
    .boolean()
    .default(false)
    .meta({
      description:
        "`true`: this run gets a checkpoint directory of its own and starts from step 0 (its restarts still resume); `false`: the directory belongs to the experiment, so a changed run resumes from the experiment's last saved state",
    }),
  maxDisruptionRestarts: int(0, 100)
    .default(10)
    .meta({
      description:
        "restarts after a node disruption (spot reclaim, drain, node loss), a bound of their own (0–100): a single-node Job's `backoffLimit`; a multi-node run fails for good once its restarts of both kinds pass `maxRestarts` + this",
    }),
  egress: z
    .strictObject({
      allow: z.array(z.string()).meta({ description: "IPv4 CIDRs the training pods may connect to, besides the cluster's DNS and the stack's own pods (e.g. `10.20.0.0/16` for a package mirror)" }),
    })
    .optional()
    .meta({
      description:
        "limit where the training pods may connect: a NetworkPolicy in the stack's namespace allows only DNS, the stack's own pods and `allow` ([training-job.md](training-job.md#network-isolation)). Volumes are mounted by their drivers on the node and are not affected",
      defaultText: "egress open",
    }),
  dev: z
    .strictObject({
      idleMinutes: int(1, 1440)
        .default(30)
        .meta({ description: "`npm run dev`: the dev pod ends, freeing its GPU, once no process but its own has run in it for this long (1–1440)" }),
    })
    .prefault({})
    .meta({ description: "the interactive pod of `npm run dev` ([status.md](status.md#an-interactive-pod-npm-run-dev))", docRows: "expand" }),
  network: z
    .enum(["efa", "tcp"])
    .optional()
    .meta({
      description:
        "`efa` or `tcp`: how NCCL talks between nodes. On an EFA pool a multi-node run needs an image that can use EFA (catalog fact, or `efa: true`), else the plan refuses it; `tcp` opts out (no EFA devices requested, no `FI_*` variables). `efa` where EFA is impossible is an error",
      defaultText: "`efa` for a multi-node run on a pool whose nodes have EFA, else `tcp`",
    }),
});

export const idleSchema = z.strictObject({
  nodeIdleMinutes: int(1, 60).default(5).meta({ description: "a GPU node is removed this long after its last GPU pod ends (1–60)" }),
  clusterIdleMinutes: int(10, 43_200).default(60).meta({ description: "`npm run reap` destroys the stack after this long without GPU work" }),
  protected: z.boolean().default(false).meta({ description: "never reaped" }),
});

/** The whole namespace. Each key is one `gpu-training-clusters:<key>` config entry. */
export const stackSchema = z.strictObject({
  cluster: clusterSchema.prefault({ mode: "create" }).meta({
    description: "where the training runs: a new EKS cluster (`create`), the cluster of another stack (`reuse`) or any cluster by kubeconfig (`existing`)",
  }),
  nodePools: z.array(nodePoolSchema).default([]).meta({ description: "GPU node pools; each scales between `minNodes` and `maxNodes`" }),
  experiment: experimentSchema.optional().meta({ description: "the training run; a stack without one is a cluster-only stack" }),
  idle: idleSchema.prefault({}).meta({ description: "when idle GPU nodes and idle clusters are removed" }),
  /**
   * Checked by config/secret-env.ts, never by the schema, so that no value can appear in an error;
   * its JSON Schema is written by config/json-schema.ts.
   */
  secretEnv: z
    .unknown()
    .optional()
    .meta({
      description: "environment variables of the training pods whose values are Pulumi secrets (`pulumi config set --secret --path 'secretEnv.NAME' VALUE`)",
    }),
  queueing: queueingSchema.optional().meta({
    description: "Kueue and JobSet on the cluster ([training-job.md](training-job.md#queueing-kueue))",
    defaultText: `install both, LocalQueue ${code(DEFAULT_LOCAL_QUEUE)}`,
  }),
});

export type StackInput = z.infer<typeof stackSchema>;
export type ClusterInput = z.infer<typeof clusterSchema>;
export type CreateClusterInput = z.infer<typeof createClusterSchema>;
export type NodePoolInput = z.infer<typeof nodePoolSchema>;
export type ExperimentInput = z.infer<typeof experimentSchema>;
export type VolumeSource = z.infer<typeof volumeSourceSchema>;
export type IdlePolicy = z.infer<typeof idleSchema>;
