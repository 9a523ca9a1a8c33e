/**
 * From a create-mode stack and its plan to the arguments of the AWS components: which pools are
 * managed node groups, which join as hybrid nodes, and the tags every AWS resource carries.
 */
import type { InstanceSpec } from "../../../catalog/instances";
import type { StackSpec } from "../../../config/spec";
import type { CreateClusterInput } from "../../../config/schema";
import type { Plan } from "../../../plan/plan";
import type { PoolPlan } from "../../../plan/pools";
import { eksClusterName } from "../../naming";

export interface ManagedPool {
  readonly pool: PoolPlan;
  readonly instance: InstanceSpec;
}

export interface GpuClusterArgs {
  readonly stack: string;
  readonly clusterName: string;
  readonly region: string;
  readonly cluster: CreateClusterInput;
  readonly managedPools: readonly ManagedPool[];
  readonly hybridPools: readonly PoolPlan[];
  readonly tags: Record<string, string>;
}

/** Tags on every AWS resource the stack creates, to find (and account for) them in the console. */
export function awsTags(stack: string, clusterName: string): Record<string, string> {
  return { "gtc:stack": stack, "gtc:cluster": clusterName, "gtc:managed-by": "pulumi" };
}

export function gpuClusterArgs(spec: StackSpec, plan: Plan): GpuClusterArgs {
  if (spec.cluster.mode !== "create") throw new Error(`gpuClusterArgs needs cluster.mode "create" (got "${spec.cluster.mode}")`);
  const clusterName = eksClusterName(spec.stack);
  const managedPools = plan.pools
    .filter((p) => p.kind === "managed")
    .map((pool) => {
      if (!pool.instance) throw new Error(`unreachable: managed pool ${pool.name} has no instance type`);
      return { pool, instance: pool.instance };
    });
  return {
    stack: spec.stack,
    clusterName,
    region: spec.region,
    cluster: spec.cluster,
    managedPools,
    hybridPools: plan.pools.filter((p) => p.kind === "hybrid"),
    tags: awsTags(spec.stack, clusterName),
  };
}
