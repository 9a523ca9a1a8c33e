/**
 * The plan: everything the stack will do and cost, derived purely from the StackSpec. It is the
 * last step before resources, so the compatibility gate runs here and throws before any exists.
 */
import { imageReference } from "../catalog/images";
import { smName } from "../catalog/gpus";
import { ConfigError } from "../config/errors";
import type { StackSpec } from "../config/spec";
import { GateResult, Verdict, compatibilityGate } from "./compat";
import { EKS_CONTROL_PLANE_PER_HOUR, NAT_GATEWAY_PER_HOUR, costFor, cpuInstancePrice } from "./cost";
import { PoolPlan, planPool } from "./pools";

export interface ExperimentPlan {
  readonly name: string;
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly totalGpus: number;
  readonly image: {
    readonly requested: string;
    readonly resolved: string;
    readonly reference: string;
    readonly cudaRuntime: string;
    readonly archs: readonly string[];
    readonly substitution?: string;
  };
  readonly script: string;
  readonly args: readonly string[];
  readonly maxRunTimeMinutes: number;
  /** $/h of the experiment's nodes while it runs (undefined off AWS). */
  readonly costPerHour?: number;
  /** Bound on the run's node cost: maxRunTime at costPerHour. */
  readonly maxRunCost?: number;
}

export interface IdlePlan {
  readonly nodeIdleMinutes: number;
  readonly clusterIdleMinutes: number;
  readonly protected: boolean;
  /** Per managed pool: what one node costs at most between its last GPU pod and its removal. */
  readonly idleNodeCost: readonly { readonly pool: string; readonly instanceType: string; readonly dollars: number }[];
}

export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  readonly cluster: { readonly mode: string; readonly description: string; readonly basePerHour?: number };
  readonly pools: readonly PoolPlan[];
  readonly experiment?: ExperimentPlan;
  readonly verdicts: readonly Verdict[];
  readonly idle: IdlePlan;
}

/**
 * Minutes a node can outlive its last GPU pod: the autoscaler's scale-down-unneeded-time, plus
 * one scan interval (10 s) and instance termination (about a minute), rounded up.
 * https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md
 */
export const SCALE_DOWN_OVERHEAD_MINUTES = 2;

function poolPaths(spec: StackSpec): string[] {
  const prefix = spec.cluster.mode === "reuse" ? `stacks/Pulumi.${spec.cluster.stack}.yaml: ` : "";
  return spec.pools.map((_, i) => `${prefix}nodePools[${i}]`);
}

export function gate(spec: StackSpec, pools: readonly PoolPlan[]): GateResult {
  return compatibilityGate(pools, poolPaths(spec), spec.experiment);
}

export function buildPlan(spec: StackSpec): Plan {
  const pools = spec.pools.map(planPool);
  const result = gate(spec, pools);
  if (result.problems.length > 0) {
    throw new ConfigError(result.problems, `the compatibility gate stopped stack "${spec.stack}" before any resource was created`);
  }
  return {
    project: spec.project,
    stack: spec.stack,
    region: spec.region,
    cluster: describeCluster(spec),
    pools,
    experiment: spec.experiment ? planExperiment(spec, pools) : undefined,
    verdicts: result.verdicts,
    idle: {
      nodeIdleMinutes: spec.idle.nodeIdleMinutes,
      clusterIdleMinutes: spec.idle.clusterIdleMinutes,
      protected: spec.idle.protected,
      idleNodeCost: pools
        .filter((p) => p.instance && p.pricePerNodeHour !== undefined)
        .map((p) => ({
          pool: p.name,
          instanceType: p.instance!.type,
          dollars: costFor(p.pricePerNodeHour!, spec.idle.nodeIdleMinutes + SCALE_DOWN_OVERHEAD_MINUTES),
        })),
    },
  };
}

function describeCluster(spec: StackSpec): Plan["cluster"] {
  const c = spec.cluster;
  switch (c.mode) {
    case "create": {
      const system = cpuInstancePrice(c.systemNodes.instanceType);
      const nats = c.natGateways === "single" ? 1 : c.availabilityZones;
      const basePerHour = system === undefined ? undefined : EKS_CONTROL_PLANE_PER_HOUR + nats * NAT_GATEWAY_PER_HOUR + c.systemNodes.count * system;
      return {
        mode: c.mode,
        description: `new EKS cluster (Kubernetes ${c.kubernetesVersion}) in ${spec.region}, VPC ${c.vpcCidr} over ${c.availabilityZones} zones${c.hybrid ? ", with EKS Hybrid Nodes" : ""}`,
        basePerHour,
      };
    }
    case "reuse":
      return { mode: c.mode, description: `the EKS cluster of stack "${c.stack}"${c.organization ? ` (organization ${c.organization})` : ""}; no AWS resources of its own` };
    case "existing":
      return { mode: c.mode, description: `an existing cluster from ${c.kubeconfigPath ?? "the default kubeconfig"}${c.context ? ` (context ${c.context})` : ""}; no AWS resources` };
  }
}

function planExperiment(spec: StackSpec, pools: readonly PoolPlan[]): ExperimentPlan {
  const e = spec.experiment!;
  const pool = pools.find((p) => p.name === e.pool)!;
  const costPerHour = pool.pricePerNodeHour === undefined ? undefined : pool.pricePerNodeHour * e.nodes;
  return {
    name: e.name,
    pool: e.pool,
    nodes: e.nodes,
    gpusPerNode: e.gpusPerNode,
    totalGpus: e.nodes * e.gpusPerNode,
    image: {
      requested: e.image.requested,
      resolved: e.image.custom ? "custom" : e.image.key,
      reference: imageReference(e.image),
      cudaRuntime: e.image.cudaRuntime,
      archs: e.image.archs.map(smName),
      substitution: e.image.substitution,
    },
    script: e.script,
    args: e.args,
    maxRunTimeMinutes: e.maxRunTimeMinutes,
    costPerHour,
    maxRunCost: costPerHour === undefined ? undefined : costFor(costPerHour, e.maxRunTimeMinutes),
  };
}
