/**
 * CPU, memory and /dev/shm of a training pod. Pure maths, explained in docs/training-job.md.
 *
 * On a pool whose EC2 type we know, the pod asks for its share (gpusPerNode / GPUs of the node) of
 * what the node can give pods: the instance's nominal size minus what never reaches the kubelet,
 * what the EKS AL2023 AMI reserves for it, the eviction threshold and the system DaemonSets.
 * Off AWS (hybrid and existing pools) the node is unknown: modest per-GPU requests instead.
 *
 * /dev/shm is a memory-backed emptyDir: pages written there are charged to the pod's memory cgroup
 * (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir), so the memory limit is the
 * training processes' memory plus the shm size, never less.
 */
import type { InstanceSpec } from "../catalog/instances";

export const MIB_PER_GIB = 1024;

/**
 * Share of an instance's nominal memory the node never reports as capacity: kernel, page tables
 * (struct page alone is 1.6%), firmware and the NVIDIA driver. MemTotal runs 3-5% under the EC2
 * figure; 7% so the request never exceeds the real allocatable (a pod that fits no node stays
 * Pending, and the autoscaler would not know why).
 */
export const KERNEL_MEMORY_SHARE = 0.07;

/**
 * kube-reserved memory of the EKS AL2023 AMI: 255 MiB + 11 MiB per pod, for the instance's
 * ENI-based max pods (InstanceSpec.maxPods, catalog/instances.ts).
 * https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/config.go (getMemoryMebibytesToReserve)
 */
export function kubeReservedMemoryMiB(maxPods: number): number {
  return 255 + 11 * maxPods;
}

/**
 * kube-reserved CPU of the EKS AL2023 AMI: 6% of the first core, 1% of the second, 0.5% of the
 * third and fourth, 0.25% of every further core (same source, getCPUMillicoresToReserve).
 */
export function kubeReservedCpuMilli(vcpus: number): number {
  const tiers: readonly [number, number][] = [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Infinity, 0.0025],
  ];
  let left = vcpus;
  let milli = 0;
  for (const [cores, share] of tiers) {
    const used = Math.min(left, cores);
    milli += used * 1000 * share;
    left -= used;
    if (left <= 0) break;
  }
  return Math.ceil(milli);
}

/** The kubelet's default hard eviction threshold, `memory.available<100Mi`. */
export const EVICTION_MEMORY_MIB = 100;

/**
 * Requests of the DaemonSets every GPU node runs besides us: VPC CNI (aws-node), kube-proxy,
 * EKS Pod Identity agent, the NVIDIA and EFA device plugins, the EBS/S3/FSx CSI node plugins and
 * Mountpoint's per-volume pods. Together they request a few hundred millicores and MiB; a whole
 * core and 1 GiB leave room for them and for a monitoring agent. The CloudWatch Observability
 * add-on (cluster.logs.cloudWatch) is one: on a GPU node its chart requests 250m/128Mi (the CloudWatch
 * agent), 50m/25Mi (Fluent Bit) and 250m/128Mi (dcgm-exporter) (aws-observability/helm-charts
 * charts/amazon-cloudwatch-observability/values.yaml), 550m and 281 MiB of this reserve.
 */
export const DAEMONSET_CPU_MILLI = 1000;
export const DAEMONSET_MEMORY_MIB = 1024;

/** Off AWS: what each GPU's worker asks for (CPU cores, GiB of process memory, and the limit). */
export const UNKNOWN_NODE_CPU_PER_GPU = 2;
export const UNKNOWN_NODE_MEMORY_GIB_PER_GPU = 8;
export const UNKNOWN_NODE_MEMORY_LIMIT_GIB_PER_GPU = 16;

/** Default /dev/shm: a quarter of the pod's memory, at most 64 GiB; off AWS 2 GiB per GPU, at least 4 GiB. */
export const SHM_SHARE = 0.25;
export const SHM_CAP_GIB = 64;
export const UNKNOWN_NODE_SHM_GIB_PER_GPU = 2;
export const UNKNOWN_NODE_SHM_MIN_GIB = 4;
/** Above this share of the pod's memory, shm would starve the training processes. */
export const SHM_MAX_SHARE = 0.5;

const roundDown = (value: number, step: number) => Math.floor(value / step) * step;

/** What one node of the pool offers pods, before splitting it between GPUs. */
export interface NodeAllocatable {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

export function nodeAllocatable(instance: InstanceSpec): NodeAllocatable {
  const visibleMiB = instance.memoryGiB * MIB_PER_GIB * (1 - KERNEL_MEMORY_SHARE);
  const memoryMiB = visibleMiB - kubeReservedMemoryMiB(instance.maxPods) - EVICTION_MEMORY_MIB - DAEMONSET_MEMORY_MIB;
  const cpuMilli = instance.vcpus * 1000 - kubeReservedCpuMilli(instance.vcpus) - DAEMONSET_CPU_MILLI;
  return { cpuMilli: Math.floor(cpuMilli), memoryMiB: Math.floor(memoryMiB) };
}

export interface PodSizing {
  /** CPU request; no CPU limit (CFS throttling slows data loaders and NCCL progress threads). */
  readonly cpuMilli: number;
  /** Memory request: the scheduler reserves it, shm included. */
  readonly memoryRequestMiB: number;
  /** Memory limit, shm included. */
  readonly memoryLimitMiB: number;
  /** Size of /dev/shm (the emptyDir's sizeLimit and the launcher's --min-shm-mib). */
  readonly shmMiB: number;
  /** Where the numbers come from, for the plan and the docs. */
  readonly basis: string;
}

export interface SizingInput {
  readonly gpusPerNode: number;
  /** GPUs the node really has (the instance's count, or the pool's gpusPerNode off AWS). */
  readonly nodeGpus: number;
  readonly instance?: InstanceSpec;
  /** experiment.shmGiB, when the stack sets it. */
  readonly shmGiB?: number;
}

export type SizingResult = { readonly ok: true; readonly sizing: PodSizing } | { readonly ok: false; readonly problem: string };

export function sizePod(input: SizingInput): SizingResult {
  const requestedShm = input.shmGiB === undefined ? undefined : Math.max(1, Math.round(input.shmGiB * MIB_PER_GIB));
  if (!input.instance) {
    const g = input.gpusPerNode;
    const shmMiB = requestedShm ?? Math.max(UNKNOWN_NODE_SHM_MIN_GIB, UNKNOWN_NODE_SHM_GIB_PER_GPU * g) * MIB_PER_GIB;
    return {
      ok: true,
      sizing: {
        cpuMilli: UNKNOWN_NODE_CPU_PER_GPU * g * 1000,
        memoryRequestMiB: UNKNOWN_NODE_MEMORY_GIB_PER_GPU * g * MIB_PER_GIB + shmMiB,
        memoryLimitMiB: UNKNOWN_NODE_MEMORY_LIMIT_GIB_PER_GPU * g * MIB_PER_GIB + shmMiB,
        shmMiB,
        basis: `node size unknown: ${UNKNOWN_NODE_CPU_PER_GPU} CPU and ${UNKNOWN_NODE_MEMORY_GIB_PER_GPU} GiB (limit ${UNKNOWN_NODE_MEMORY_LIMIT_GIB_PER_GPU} GiB) per GPU, plus /dev/shm`,
      },
    };
  }
  const node = nodeAllocatable(input.instance);
  const share = input.gpusPerNode / input.nodeGpus;
  const cpuMilli = roundDown(node.cpuMilli * share, 100);
  const memoryMiB = roundDown(node.memoryMiB * share, 64);
  const defaultShm = Math.min(roundDown(memoryMiB * SHM_SHARE, 64), SHM_CAP_GIB * MIB_PER_GIB);
  const shmMiB = requestedShm ?? defaultShm;
  const most = Math.floor((memoryMiB * SHM_MAX_SHARE) / MIB_PER_GIB);
  if (shmMiB > memoryMiB * SHM_MAX_SHARE) {
    return {
      ok: false,
      problem: `${input.shmGiB} GiB of /dev/shm is more than half of the ${(memoryMiB / MIB_PER_GIB).toFixed(1)} GiB the pod gets on ${input.instance.type} (allowed up to ${most} GiB; shm counts against the pod's memory)`,
    };
  }
  return {
    ok: true,
    sizing: {
      cpuMilli,
      memoryRequestMiB: memoryMiB,
      memoryLimitMiB: memoryMiB,
      shmMiB,
      basis: `${input.gpusPerNode}/${input.nodeGpus} of ${input.instance.type} after kube-reserved, eviction threshold and DaemonSets`,
    },
  };
}
