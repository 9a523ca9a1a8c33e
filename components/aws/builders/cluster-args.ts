/**
 * From a create-mode stack and its plan to the arguments of the AWS components: which pools are
 * managed node groups, which join as hybrid nodes, and the tags every AWS resource carries.
 */
import type { InstanceSpec } from "../../../catalog/instances";
import type { StackSpec } from "../../../config/spec";
import type { CreateClusterInput } from "../../../config/schema";
import type { Plan } from "../../../plan/plan";
import type { PoolPlan } from "../../../plan/pools";
import type { DeployGate } from "../../../plan/deploy-gate";
import type { SourceIngress } from "../../../config/sources/kind";
import { eksClusterName } from "../../naming";
import { imageCachePrefix } from "../../../plan/image-cache";

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
  /** Zone names of the created VPC's subnets, from the account gate; undefined: the first zones of the region. */
  readonly zoneNames?: readonly string[];
  /** The existing VPC the cluster runs in (cluster.vpc), with the subnets the gate kept. */
  readonly existingVpc?: { readonly id: string; readonly subnetIds: readonly string[] };
  /** Managed pool → indices of the private subnets its nodes may use; undefined: all. */
  readonly poolPlacements?: Readonly<Record<string, readonly number[]>>;
  /** Ingress the nodes need to reach the experiment's volume sources (the account gate's decision). */
  readonly sourceIngress: readonly SourceIngress[];
  /** The Docker Hub pull-through cache (cluster.dockerHubCredentialsSecretArn). */
  readonly dockerHubCache?: { readonly prefix: string; readonly credentialArn: string };
}

/** Tags on every AWS resource the stack creates, to find (and account for) them in the console. */
/** The tag naming the stack that owns a resource: a resource with this stack's value is its own. */
export const STACK_TAG = "gtc:stack";

export function awsTags(stack: string, clusterName: string): Record<string, string> {
  return { [STACK_TAG]: stack, "gtc:cluster": clusterName, "gtc:managed-by": "pulumi" };
}

export function gpuClusterArgs(spec: StackSpec, plan: Plan, gate?: DeployGate): GpuClusterArgs {
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
    ...placementArgs(spec.cluster, gate),
    sourceIngress: gate?.sources?.ingress ?? [],
    ...(spec.cluster.dockerHubCredentialsSecretArn ? { dockerHubCache: { prefix: imageCachePrefix(spec.stack), credentialArn: spec.cluster.dockerHubCredentialsSecretArn } } : {}),
  };
}

function placementArgs(cluster: CreateClusterInput, gate?: DeployGate): Pick<GpuClusterArgs, "zoneNames" | "existingVpc" | "poolPlacements"> {
  const account = gate?.decision.account;
  if (cluster.vpc) {
    return { existingVpc: { id: cluster.vpc.id, subnetIds: account?.subnetIds ?? cluster.vpc.privateSubnetIds }, poolPlacements: account?.poolPlacements };
  }
  return { zoneNames: account && account.zones.length > 0 ? account.zones.map((z) => z.name) : undefined, poolPlacements: account?.poolPlacements };
}
