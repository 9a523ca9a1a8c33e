/**
 * The plan: everything the stack will do and cost, derived purely from the StackSpec. It is the
 * last step before resources, so the compatibility gate runs here and throws before any exists.
 */
import { imageReference } from "../catalog/images";
import { smName } from "../catalog/gpus";
import { ConfigError, Problem } from "../config/errors";
import type { PoolSpec, StackSpec } from "../config/spec";
import { Verdict, compatibilityGate } from "./compat";
import { sizePod } from "./pod-sizing";
import { EKS_CONTROL_PLANE_PER_HOUR, NAT_GATEWAY_PER_HOUR, costFor, cpuInstancePrice } from "./cost";
import { ImageBuildPlan, builtImagePlaceholder, planImageBuild } from "./image-build";
import { NetworkPlan, networkProblems, planNetwork } from "./network";
import { PoolPlan, planPool } from "./pools";
import type { WorkdirSummary } from "./workdir-summary";
import { QueuePlan, planQueueing } from "./queueing";
import { BudgetPlan, planBudget } from "./budget";
import { stackNamespace } from "../config/names";
import { planWarnings } from "./warnings";
import { PoolAdvice, poolAdvice } from "./advice";
import { torchPinNotes, torchPinsInSetup, withTorchPinNotes } from "./torch-pins";
import { SweepPlan, attachSweepRunNames, planSweep } from "./sweep";
import { ADDON_VERSIONS, CLOUDWATCH_OBSERVABILITY } from "../catalog/versions";

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
    /** Whether NCCL in the image can use EFA (libfabric and aws-ofi-nccl inside). */
    readonly efa: boolean;
    /** Set when the stack builds the image and pushes it to ECR (plan/image-build.ts); `reference` is then a placeholder. */
    readonly build?: ImageBuildPlan;
  };
  /** EFA or TCP between nodes, and why (plan/network.ts). */
  readonly network: NetworkPlan;
  readonly script: string;
  readonly args: readonly string[];
  /** Shell commands each pod runs before torchrun. */
  readonly setup: readonly string[];
  /** Names of the secret variables (values are never in the plan). */
  readonly secretEnv: readonly string[];
  /** What `experiment.workdir` ships; set by attachWorkdir once the directory is packed. */
  readonly workdir?: WorkdirSummary;
  readonly maxRunTimeMinutes: number;
  /** $/h of the experiment's nodes while it runs (undefined off AWS). */
  readonly costPerHour?: number;
  /** Bound on the run's node cost: maxRunTime at costPerHour. */
  readonly maxRunCost?: number;
  /** experiment.budgetUSD: the limit on admitted time it sets and the worst case it allows (plan/budget.ts). */
  readonly budget?: BudgetPlan;
  /** `npm run dev`: its pod ends after this many idle minutes (experiment.dev.idleMinutes). */
  readonly devIdleMinutes: number;
  /** experiment.sweep: the runs of the grid and its cost bound (plan/sweep.ts). */
  readonly sweep?: SweepPlan;
}

/** How GPU nodes leave once their work is done: the cluster-autoscaler of the stack owning the cluster. */
export interface NodeScaleDown {
  /** The stack whose autoscaler removes the nodes (this stack, or the one it reuses). */
  readonly stack: string;
  readonly idleMinutes: number;
  /** Longest a GPU node stays up after its last GPU pod ends: idleMinutes + SCALE_DOWN_OVERHEAD_MINUTES. */
  readonly boundMinutes: number;
  /** cluster-autoscaler arguments the bound assumes (see autoscalerScaleDownArgs). */
  readonly autoscalerArgs: Readonly<Record<string, string>>;
}

export interface IdlePlan {
  readonly nodeIdleMinutes: number;
  readonly clusterIdleMinutes: number;
  readonly protected: boolean;
  /** Undefined in an existing cluster: its nodes scale by its own rules, not ours. */
  readonly nodeScaleDown?: NodeScaleDown;
  /** Per managed pool: what one node costs at most between its last GPU pod and its removal. */
  readonly idleNodeCost: readonly { readonly pool: string; readonly instanceType: string; readonly dollars: number }[];
}

export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  readonly cluster: { readonly mode: string; readonly description: string; readonly basePerHour?: number; /** Where container logs are kept (create mode: cluster.logs). */ readonly logs?: string };
  readonly pools: readonly PoolPlan[];
  readonly experiment?: ExperimentPlan;
  readonly verdicts: readonly Verdict[];
  readonly idle: IdlePlan;
  /** Kueue queue, waitForPodsReady bound and restart policy (plan/queueing.ts). */
  readonly queueing: QueuePlan;
  /** What works but is probably unintended (plan/warnings.ts); printed, never an error. */
  readonly warnings: readonly string[];
  /** Cheaper ways to get each managed pool's GPUs (plan/advice.ts); never applied on their own. */
  readonly advice: readonly PoolAdvice[];
}

/**
 * How long an idle GPU node lives, from the cluster-autoscaler FAQ
 * (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md, "How does
 * scale-down work?", "What are the parameters to CA?", "I have a couple of nodes with low
 * utilization, but they are not scaled down. Why?"):
 *
 * - a node is removed once it has been unneeded for `scale-down-unneeded-time` (default 10 min);
 * - after any scale-up, scale-down is in cooldown for `scale-down-delay-after-add` (default 10 min),
 *   cluster-wide unless `scale-down-delay-type-local` (CA >= 1.29) makes it per node group. The
 *   unneeded clock keeps running during the cooldown (static_autoscaler.go updates the unneeded
 *   nodes before it checks the cooldown), so a node goes at
 *   max(unneeded since + unneeded-time, last scale-up + delay-after-add).
 *
 * With the default delay-after-add a short job (scale-up, 2 min of work) would keep its node
 * 10 min, and a scale-up of another pool would hold every idle node. So the autoscaler must run
 * with all three settings below; the plan's bound is only true with them.
 */
export function autoscalerScaleDownArgs(nodeIdleMinutes: number): Readonly<Record<string, string>> {
  return {
    "scale-down-unneeded-time": `${nodeIdleMinutes}m`,
    "scale-down-delay-after-add": `${nodeIdleMinutes}m`,
    "scale-down-delay-type-local": "true",
  };
}

/**
 * Minutes a node can outlive its last GPU pod beyond nodeIdleMinutes, rounded up:
 * - up to one scan interval (10 s, `scan-interval`) to see the node unneeded, one more to act
 *   after the unneeded time;
 * - `node-delete-delay-after-taint` (5 s) between tainting the node and deleting it;
 * - EKS managed node groups drain a node (an Auto Scaling lifecycle hook) before it is
 *   terminated; an idle GPU node holds only DaemonSet pods, so that takes seconds. A drain that
 *   hangs is forced after 5 minutes
 *   (https://docs.aws.amazon.com/eks/latest/userguide/delete-managed-node-group.html); that
 *   stuck case is outside this bound;
 * - EC2 stops billing when the instance enters `shutting-down`
 *   (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html).
 * About 30 s in all; 2 minutes leaves room for a slow autoscaler loop and the AWS API calls.
 */
export const SCALE_DOWN_OVERHEAD_MINUTES = 2;

function poolPaths(spec: StackSpec): string[] {
  const prefix = spec.cluster.mode === "reuse" ? `stacks/Pulumi.${spec.cluster.stack}.yaml: ` : "";
  return spec.pools.map((_, i) => `${prefix}nodePools[${i}]`);
}

/** A pool's plan, or undefined when its own rules failed (no instance type fits it). */
function tryPlanPool(pool: PoolSpec): PoolPlan | undefined {
  try {
    return planPool(pool);
  } catch {
    return undefined;
  }
}

/** What of a stack that did not parse whole the plan can still check (config/load.ts StackCollection). */
export interface PlanScope {
  /** Config path of each of spec.pools, for the gate's messages. @default nodePools[i] of this stack or the reused one */
  readonly poolPaths?: readonly string[];
  /** Whether the experiment's image, sizes and pool parsed, so the gate means something. @default true */
  readonly gateable?: boolean;
  /** Whether experiment.shmGiB parsed (its ceiling needs it). @default true */
  readonly shmParsed?: boolean;
}

/**
 * The plan, and the problems only the plan reveals: the compatibility gate, the network choice,
 * and /dev/shm against the chosen node's memory. On a stack that did not parse whole it plans
 * what parsed, so its problems come out with the configuration's.
 */
export function planStack(spec: StackSpec, scope: PlanScope = {}): { plan: Plan; problems: Problem[] } {
  const paths = scope.poolPaths ?? poolPaths(spec);
  const planned = spec.pools.map((p, i) => ({ plan: tryPlanPool(p), path: paths[i] })).filter((p) => p.plan !== undefined);
  const pools = planned.map((p) => p.plan!);
  const e = spec.experiment;
  const pool = e && pools.find((p) => p.name === e.pool);
  const gated = e && scope.gateable !== false ? compatibilityGate(pools, planned.map((p) => p.path), e) : { verdicts: [], problems: [] };
  const problems: Problem[] = [...gated.problems];
  if (e && pool && scope.gateable !== false) problems.push(...networkProblems(e, pool));
  if (e && pool && scope.gateable !== false && scope.shmParsed !== false) {
    const sized = sizePod({ gpusPerNode: e.gpusPerNode, nodeGpus: pool.nodeGpus, instance: pool.instance, shmGiB: e.shmGiB });
    if (!sized.ok) problems.push({ path: "experiment.shmGiB", message: sized.problem });
  }
  const planned0 = e && pool ? planExperiment(spec, pools) : undefined;
  const idle = planIdle(spec, pools);
  const queueing = planQueueing(spec, pools, stackNamespace(spec.stack), planned0?.costPerHour, idle.nodeScaleDown?.boundMinutes);
  const budgeted =
    e && planned0 && e.budgetUSD !== undefined
      ? planBudget({ budgetUSD: e.budgetUSD, costPerHour: planned0.costPerHour, maxRunTimeMinutes: e.maxRunTimeMinutes, podsReady: queueing.podsReady, scaleDownMinutes: idle.nodeScaleDown?.boundMinutes ?? 0 })
      : undefined;
  if (budgeted?.problem) problems.push(budgeted.problem);
  const withBudget = planned0 && budgeted?.budget ? { ...planned0, budget: budgeted.budget } : planned0;
  const sweep =
    e?.sweep && pool && withBudget
      ? planSweep({ sweep: e.sweep, nodes: e.nodes, pool, costPerHour: withBudget.costPerHour, maxRunCost: withBudget.maxRunCost, budgetWorstCaseUSD: withBudget.budget?.worstCaseUSD, hasOutput: e.output !== undefined, experiment: e.name, namespace: stackNamespace(spec.stack) })
      : undefined;
  const experiment = withBudget && sweep ? { ...withBudget, sweep } : withBudget;
  const plan: Plan = {
    project: spec.project,
    stack: spec.stack,
    region: spec.region,
    cluster: describeCluster(spec),
    pools,
    experiment,
    // A torch pinned in setup replaces the build the gate checked (plan/torch-pins.ts); the
    // workdir's requirement files add theirs in the workdir phase (checks/phases.ts).
    verdicts: e ? withTorchPinNotes(gated.verdicts, torchPinNotes(torchPinsInSetup(e.setup, (i) => (e.setup.length === 1 ? "experiment.setup" : `experiment.setup[${i}]`)), e.image)) : gated.verdicts,
    idle,
    queueing,
    warnings: planWarnings(spec, pools),
    advice: poolAdvice(spec, pools),
  };
  return { plan, problems };
}

/** The plan of a valid stack; the compatibility gate's refusal as a ConfigError. */
export function buildPlan(spec: StackSpec): Plan {
  const { plan, problems } = planStack(spec);
  if (problems.length > 0) throw new ConfigError(problems, `the compatibility gate stopped stack "${spec.stack}" before any resource was created`);
  return plan;
}

function planIdle(spec: StackSpec, pools: readonly PoolPlan[]): IdlePlan {
  const owner = spec.cluster.mode === "reuse" ? spec.cluster.stack : spec.stack;
  const nodeScaleDown: NodeScaleDown | undefined = spec.clusterIdle && {
    stack: owner,
    idleMinutes: spec.clusterIdle.nodeIdleMinutes,
    boundMinutes: spec.clusterIdle.nodeIdleMinutes + SCALE_DOWN_OVERHEAD_MINUTES,
    autoscalerArgs: autoscalerScaleDownArgs(spec.clusterIdle.nodeIdleMinutes),
  };
  return {
    nodeIdleMinutes: spec.idle.nodeIdleMinutes,
    clusterIdleMinutes: spec.idle.clusterIdleMinutes,
    protected: spec.idle.protected,
    nodeScaleDown,
    idleNodeCost: nodeScaleDown
      ? pools
          .filter((p) => p.instance && p.pricePerNodeHour !== undefined)
          .map((p) => ({ pool: p.name, instanceType: p.instance!.type, dollars: costFor(p.pricePerNodeHour!, nodeScaleDown.boundMinutes) }))
      : [],
  };
}

function describeCluster(spec: StackSpec): Plan["cluster"] {
  const c = spec.cluster;
  switch (c.mode) {
    case "create": {
      const system = cpuInstancePrice(c.systemNodes.instanceType);
      // In an existing VPC (cluster.vpc) the NAT gateways are not ours to pay for.
      const nats = c.vpc ? 0 : c.natGateways === "single" ? 1 : c.availabilityZones;
      const basePerHour = system === undefined ? undefined : EKS_CONTROL_PLANE_PER_HOUR + nats * NAT_GATEWAY_PER_HOUR + c.systemNodes.count * system;
      return {
        mode: c.mode,
        description: `new EKS cluster (Kubernetes ${c.kubernetesVersion}, support type ${c.supportType}) in ${spec.region}, ${c.vpc ? `existing VPC ${c.vpc.id} (${c.vpc.privateSubnetIds.length} subnets; S3 traffic follows its routes: without an S3 gateway endpoint there it goes through the NAT)` : `VPC ${c.vpcCidr} over ${c.availabilityZones} zones with an S3 gateway endpoint (S3 traffic skips the NAT)`}${c.hybrid ? ", with EKS Hybrid Nodes" : ""}${c.admins.length > 0 ? `, ${c.admins.length} admin${c.admins.length === 1 ? "" : "s"} besides the creator` : ""}`,
        logs: c.logs.cloudWatch
          ? `container logs to CloudWatch Logs (/aws/containerinsights/<cluster>/application) by the EKS add-on ${CLOUDWATCH_OBSERVABILITY.addonName} ${ADDON_VERSIONS[c.kubernetesVersion][CLOUDWATCH_OBSERVABILITY.addonName]}, kept ${c.logs.retentionDays} days (cluster.logs.retentionDays) after the cluster is gone; ingestion and storage billed by CloudWatch`
          : "container logs: only on the nodes (cluster.logs.cloudWatch: false); they go with the pods",
        basePerHour,
      };
    }
    case "reuse":
      return { mode: c.mode, description: `the EKS cluster of stack "${c.stack}"${c.organization ? ` (organization ${c.organization})` : ""}; AWS resources of its own only for its experiment (S3 access, image repository, FSx rules)` };
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
      reference: e.image.build ? builtImagePlaceholder(e.image) : imageReference(e.image),
      cudaRuntime: e.image.cudaRuntime,
      archs: e.image.archs.map(smName),
      substitution: e.image.substitution,
      efa: e.image.efa,
      build: e.image.build ? planImageBuild(spec.stack, e.image) : undefined,
    },
    network: planNetwork(e, pool),
    script: e.script,
    args: e.args,
    setup: e.setup,
    secretEnv: e.secretEnv,
    maxRunTimeMinutes: e.maxRunTimeMinutes,
    devIdleMinutes: e.dev.idleMinutes,
    costPerHour,
    maxRunCost: costPerHour === undefined ? undefined : costFor(costPerHour, e.maxRunTimeMinutes),
  };
}

/** The plan with the names of the sweep's runs, which the builders derive (k8s/sweep.ts). */
export function attachSweepNames(plan: Plan, names: Readonly<Record<string, string>>): Plan {
  if (!plan.experiment?.sweep) return plan;
  return { ...plan, experiment: { ...plan.experiment, sweep: attachSweepRunNames(plan.experiment.sweep, names) } };
}

/** The plan with what the experiment's workdir ships (packing reads files, so it happens outside buildPlan). */
export function attachWorkdir(plan: Plan, workdir: WorkdirSummary | undefined): Plan {
  if (!workdir || !plan.experiment) return plan;
  return { ...plan, experiment: { ...plan.experiment, workdir } };
}
