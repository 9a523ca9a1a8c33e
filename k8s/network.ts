/**
 * Cross-node communication of a training pod: the EFA devices it asks for and the environment
 * that points NCCL at them. Only multi-node runs on an instance type with EFA get any of it; one
 * node talks over NVLink/PCIe and shared memory, which NCCL finds on its own.
 *
 * EFA reaches NCCL through libfabric and the aws-ofi-nccl plugin, which must be in the image (the
 * stock `pytorch/pytorch` images do not ship them: NCCL then uses TCP sockets, correctly but
 * slowly). Sources:
 * - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start-nccl.html (FI_PROVIDER,
 *   FI_EFA_USE_DEVICE_RDMA on instances with GPUDirect RDMA)
 * - https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html (the
 *   `vpc.amazonaws.com/efa` resource advertised by the EFA device plugin)
 */
import type { InstanceSpec } from "../catalog/instances";

/** The aws-ofi-nccl plugin's name, as NCCL_NET selects it. */
export const NCCL_NET_PLUGIN = "AWS Libfabric";

export const EFA_RESOURCE = "vpc.amazonaws.com/efa";
/**
 * Tells the in-pod preflight (images/launcher/efa.py) how many EFA devices to expect, so a pod
 * without them or without the aws-ofi-nccl plugin fails at once instead of training over TCP.
 */
export const EFA_DEVICES_ENV = "GTC_EFA_DEVICES";

export interface NetworkInput {
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly nodeGpus: number;
  readonly instance?: InstanceSpec;
  /** EFA interfaces attached to each node of the pool (PoolPlan.efaInterfaces). */
  readonly efaInterfaces: number;
  /** The plan's choice (plan/network.ts); "tcp" drops the EFA request and the FI_* environment. @default "efa" */
  readonly mode?: "efa" | "tcp";
}

export interface PodNetwork {
  /** EFA devices the pod asks for (0: none). */
  readonly efaDevices: number;
  /** Environment for NCCL/libfabric; the experiment's own env wins over it. */
  readonly env: Readonly<Record<string, string>>;
  /** One line per setting, for the docs and the plan. */
  readonly why: readonly string[];
}

export function instanceFamily(type: string): string {
  return type.split(".")[0];
}

export function podNetwork(input: NetworkInput): PodNetwork {
  const efa = input.efaInterfaces;
  if (input.nodes < 2 || efa === 0 || !input.instance || input.mode === "tcp") {
    return { efaDevices: 0, env: {}, why: [] };
  }
  // EFA devices are exclusive to a pod: a pod using part of a node's GPUs takes its share of the
  // interfaces (at least one), so a second training pod can still land on the node.
  const efaDevices = Math.max(1, Math.ceil((efa * input.gpusPerNode) / input.nodeGpus));
  // Which types support GPUDirect RDMA over EFA is a fact of the instance row (catalog/instances.ts).
  const rdma = input.instance.gpuDirectRdma;
  const env: Record<string, string> = {
    // Tell libfabric (and so aws-ofi-nccl) to use the EFA provider rather than probe for one.
    FI_PROVIDER: "efa",
    // NCCL uses this network plugin or fails at init, instead of quietly falling back to its own
    // socket transport when the plugin cannot start (NCCL_NET, NCCL environment variables docs).
    // "AWS Libfabric" is the plugin's name up to aws-ofi-nccl 1.11, and later versions still answer
    // to it (src/nccl_ofi_interface_nvidia.cpp, nvidia_plugin_name_fixup), so any EFA image matches.
    NCCL_NET: NCCL_NET_PLUGIN,
    [EFA_DEVICES_ENV]: String(efaDevices),
    // libfabric's EFA provider backs its buffers with 2 MiB huge pages; a pod that requests none
    // runs out of them, and fork() (DataLoader workers) fails with "Cannot allocate memory". Off,
    // at a minor cost in speed (aws-samples/awsome-distributed-training 1.architectures/
    // efa-cheatsheet.md, FI_EFA_USE_HUGE_PAGE). The pod requests no hugepages-2Mi: that would need
    // pages pre-allocated on the node, which the EKS GPU AMI does not promise.
    FI_EFA_USE_HUGE_PAGE: "0",
  };
  const why = [
    `${EFA_RESOURCE}: ${efaDevices} of the ${efa} EFA interfaces of ${input.instance.type}`,
    "FI_PROVIDER=efa: libfabric uses EFA rather than falling back to TCP",
    `NCCL_NET=${NCCL_NET_PLUGIN}: NCCL fails at start rather than running over sockets if the aws-ofi-nccl plugin cannot load`,
    `${EFA_DEVICES_ENV}=${efaDevices}: the preflight checks the EFA devices and the aws-ofi-nccl plugin before training`,
    "FI_EFA_USE_HUGE_PAGE=0: the pod has no huge pages, and without this DataLoader workers fail to fork",
  ];
  if (rdma) {
    // Let the EFA device read and write GPU memory directly (GPUDirect RDMA).
    env.FI_EFA_USE_DEVICE_RDMA = "1";
    why.push(`FI_EFA_USE_DEVICE_RDMA=1: ${instanceFamily(input.instance.type)} supports GPUDirect RDMA over EFA`);
  }
  return { efaDevices, env, why };
}
