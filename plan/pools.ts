/** Each pool of the stack with its instance type chosen, its price and the driver its nodes run. */
import { EKS_NVIDIA_AMI_DRIVER } from "../catalog/drivers";
import { GpuType } from "../catalog/gpus";
import { InstanceSpec, chooseInstance, findInstance } from "../catalog/instances";
import type { PoolKind, PoolSpec } from "../config/spec";

export interface PoolPlan {
  readonly name: string;
  readonly kind: PoolKind;
  readonly gpu: GpuType;
  /** GPUs each node really has (an instance's full count, even beyond gpusPerNode). */
  readonly nodeGpus: number;
  readonly instance?: InstanceSpec;
  readonly instanceReason?: string;
  /**
   * EFA interfaces attached to each node (0: none). EFA is worth its constraints (one zone, a
   * cluster placement group, a self-referencing security group) only where a job can span nodes:
   * a managed pool of an instance type with EFA that may have more than one node. Without it,
   * NCCL between nodes runs over TCP sockets at a fraction of the bandwidth, and says so only in
   * its debug log. The node group and the Job both read this one decision.
   */
  readonly efaInterfaces: number;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly capacity: "on-demand" | "spot";
  readonly diskGiB: number;
  /** On-demand $/h of one node; unknown for machines outside AWS. For spot it is an upper bound. */
  readonly pricePerNodeHour?: number;
  readonly driver?: string;
  readonly driverSource: "eks-ami" | "declared" | "unknown";
  readonly nodeSelector: Readonly<Record<string, string>>;
}

export function planPool(pool: PoolSpec): PoolPlan {
  const common = {
    name: pool.name,
    kind: pool.kind,
    gpu: pool.gpu,
    minNodes: pool.minNodes,
    maxNodes: pool.maxNodes,
    capacity: pool.capacity,
    diskGiB: pool.diskGiB,
    nodeSelector: pool.nodeSelector,
  };
  if (pool.kind !== "managed") {
    return {
      ...common,
      nodeGpus: pool.gpusPerNode,
      efaInterfaces: 0,
      driver: pool.driverVersion,
      driverSource: pool.driverVersion ? "declared" : "unknown",
    };
  }
  // The rules have already rejected pools no instance fits, so the choice cannot fail here.
  const pinned = pool.instanceType ? findInstance(pool.instanceType) : undefined;
  const choice = pinned
    ? { instance: pinned, reason: `pinned by instanceType` }
    : (() => {
        const c = chooseInstance(pool.gpu, pool.gpusPerNode);
        if (!c.ok) throw new Error(`unreachable: no instance for pool ${pool.name}`);
        return c;
      })();
  return {
    ...common,
    nodeGpus: choice.instance.gpus,
    instance: choice.instance,
    instanceReason: choice.reason,
    efaInterfaces: pool.maxNodes > 1 ? choice.instance.efaInterfaces : 0,
    pricePerNodeHour: choice.instance.pricePerHour,
    driver: EKS_NVIDIA_AMI_DRIVER,
    driverSource: "eks-ami",
  };
}

/** Whether the cluster has managed node groups with EFA interfaces (the device plugin's MOFED setting). */
export function hasEfaPools(plan: { readonly pools: readonly PoolPlan[] }): boolean {
  return plan.pools.some((p) => p.kind === "managed" && p.efaInterfaces > 0);
}
