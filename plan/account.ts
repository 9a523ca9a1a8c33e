/**
 * What the AWS account says, checked before any resource exists: which zones EKS accepts, which
 * zones offer each pool's instance type, and whether the GPU vCPU quotas hold the experiment. The
 * facts come from data-source invokes (components/aws/account-facts.ts); the rules here are pure.
 *
 * A fact the lookup could not read (a missing field) is "unknown": it gives a warning, never a
 * block. An explicit answer (no zone offers the type, a quota of 0) is a real answer: an error.
 */
import type { Problem } from "../config/errors";
import type { StackSpec } from "../config/spec";
import type { Plan } from "./plan";
import type { PoolPlan } from "./pools";
import type { ApiFacts } from "./api-facts";
import { ImageCache, ecrRegistry, imageCachePrefix, imageCacheRules } from "./image-cache";

/**
 * Zone IDs in which EKS refuses cluster subnets (zone names map to different IDs per account, so
 * the rule is on IDs): https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 * ("The subnets can't reside in the following Availability Zones").
 */
export const EKS_REFUSED_ZONE_IDS: readonly string[] = ["use1-az3", "usw1-az2", "cac1-az3"];

export interface Zone {
  readonly name: string;
  /** Undefined when the lookup gave names only. */
  readonly id?: string;
}

export interface SubnetFact {
  readonly id: string;
  readonly vpcId?: string;
  readonly zone?: Zone;
  /** Why the lookup failed (not found, access denied): the subnet cannot be used as named. */
  readonly lookupError?: string;
}

export interface AccountFacts {
  readonly region: string;
  /** Available zones of the region; undefined when the lookup gave none. */
  readonly zones?: readonly Zone[];
  /** Instance type → zone IDs offering it; undefined entry: unknown. */
  readonly offerings: Readonly<Record<string, readonly string[] | undefined>>;
  /** Service Quotas code → vCPUs; undefined entry: unknown. */
  readonly quotas: Readonly<Record<string, number | undefined>>;
  /** The subnets of `cluster.vpc`, when the cluster runs in an existing VPC. */
  readonly subnets?: readonly SubnetFact[];
  /**
   * The zones of the subnets an earlier update of this stack created, by slot (index i: the i-th
   * private subnet); empty before the first update, undefined when the lookup failed.
   */
  readonly createdZones?: readonly (Zone | undefined)[];
  /** The principal running `pulumi` (an assumed role resolved to its role); undefined: unknown. */
  readonly caller?: string;
  /** What the EC2 and EKS APIs say of the instance types, the version, spot prices and add-ons (plan/api-facts.ts). */
  readonly api?: ApiFacts;
  /** `cluster.mode: reuse`: what the cluster stack exports (its stack outputs, read by a StackReference). */
  readonly cluster?: ClusterExports;
  /** The account the stack deploys into (aws.getCallerIdentity); read with a Docker Hub cache only. */
  readonly accountId?: string;
}

/** A managed pool as its cluster stack exports it: what the quota check of a reusing stack needs. */
export interface ExportedPool {
  readonly instanceType: string;
  readonly capacity: "on-demand" | "spot";
  readonly maxNodes: number;
}

/**
 * What a cluster stack exports for the stacks that reuse it (components/target.ts CLUSTER_OUTPUTS):
 * where its nodes are and what they are. A field its state lacks (a cluster stack last updated
 * before it exported them) is undefined.
 */
export interface ClusterExports {
  /** The cluster stack's name, as the reusing stack names it (cluster.stack). */
  readonly stack: string;
  readonly region?: string;
  readonly vpcId?: string;
  /** The security group EKS gives the cluster; every managed node carries it. */
  readonly clusterSecurityGroupId?: string;
  /** Managed pool name → its instance type, capacity and maxNodes. */
  readonly pools?: Readonly<Record<string, ExportedPool>>;
  /** Where its nodes pull docker.io images through the ECR pull-through cache; undefined: from Docker Hub. */
  readonly imageCache?: ImageCache;
}

/** The pools a create stack exports (ClusterExports.pools): its managed pools, as deployed. */
export function exportedPools(plan: Plan): Record<string, ExportedPool> {
  return Object.fromEntries(plan.pools.filter((p) => p.kind === "managed" && p.instance).map((p) => [p.name, { instanceType: p.instance!.type, capacity: p.capacity, maxNodes: p.maxNodes }]));
}

/**
 * EC2 vCPU quotas of GPU instances (service code ec2). Families: "Running On-Demand P instances"
 * counts p* types, "G and VT" g* and vt* types; spot requests have quotas of their own.
 * vCPU-based On-Demand and Spot limits: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-resource-limits.html
 * and https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html. Codes as
 * `aws service-quotas list-service-quotas --service-code ec2` lists them (and as public tools
 * that call GetServiceQuota pin them, e.g. spot matcher `(g|vt)[0-9].*` → L-3819A6DF).
 */
export interface GpuQuota {
  readonly code: string;
  readonly name: string;
  readonly capacity: "on-demand" | "spot";
  readonly family: RegExp;
}

export const GPU_QUOTAS: readonly GpuQuota[] = [
  { code: "L-417A185B", name: "Running On-Demand P instances", capacity: "on-demand", family: /^p\d/ },
  { code: "L-DB2E81BA", name: "Running On-Demand G and VT instances", capacity: "on-demand", family: /^(g|vt)\d/ },
  { code: "L-7212CCBC", name: "All P Spot Instance Requests", capacity: "spot", family: /^p\d/ },
  { code: "L-3819A6DF", name: "All G and VT Spot Instance Requests", capacity: "spot", family: /^(g|vt)\d/ },
];

export function quotaFor(instanceType: string, capacity: "on-demand" | "spot"): GpuQuota | undefined {
  return GPU_QUOTAS.find((q) => q.capacity === capacity && q.family.test(instanceType));
}

export interface QuotaCheck {
  readonly code: string;
  readonly name: string;
  /** vCPUs the experiment's own nodes take (0 when it runs on no pool of this quota). */
  readonly experimentVcpus: number;
  /** vCPUs of every pool of this quota at its maxNodes. */
  readonly poolsMaxVcpus: number;
  /** What the account has; undefined when the lookup could not read it. */
  readonly quota?: number;
}

export interface AccountDecision {
  /** The cluster's zones, in subnet order (created VPC), or the zones of cluster.vpc's subnets. */
  readonly zones: readonly Zone[];
  /** Zones skipped because EKS refuses them. */
  readonly refusedZones: readonly Zone[];
  /** For an existing VPC: the subnets the cluster uses, in order. */
  readonly subnetIds?: readonly string[];
  /** Managed pool → indices into `zones` (created VPC) or `subnetIds` (existing VPC) its nodes may use. */
  readonly poolPlacements: Readonly<Record<string, readonly number[]>>;
  readonly quotas: readonly QuotaCheck[];
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
  /** `cluster.mode: reuse`: the cluster stack's exports the checks used (the volume sources' too). */
  readonly cluster?: ClusterExports;
  /** Where the cluster's managed nodes pull docker.io images through ECR (plan/image-cache.ts). */
  readonly imageCache?: ImageCache;
}

export function quotaIncreaseCommand(code: string, desired: number, region: string): string {
  return `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${code} --desired-value ${desired} --region ${region}`;
}

function managedPools(plan: Plan): PoolPlan[] {
  return plan.pools.filter((p) => p.kind === "managed" && p.instance);
}

function poolPath(spec: StackSpec, pool: PoolPlan): string {
  return `nodePools[${spec.pools.findIndex((p) => p.name === pool.name)}]`;
}

/** The GPU vCPU quotas against the experiment's nodes (error) and the pools' maximum (warning). */
export function quotaRules(spec: StackSpec, plan: Plan, facts: AccountFacts): { checks: QuotaCheck[]; problems: Problem[]; warnings: string[] } {
  const checks: QuotaCheck[] = [];
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const pools = managedPools(plan);
  for (const q of GPU_QUOTAS) {
    const members = pools.filter((p) => quotaFor(p.instance!.type, p.capacity) === q);
    if (members.length === 0) continue;
    const poolsMaxVcpus = members.reduce((sum, p) => sum + p.instance!.vcpus * p.maxNodes, 0);
    const own = plan.experiment ? members.find((p) => p.name === plan.experiment!.pool) : undefined;
    const experimentVcpus = own ? own.instance!.vcpus * plan.experiment!.nodes : 0;
    const quota = facts.quotas[q.code];
    checks.push({ code: q.code, name: q.name, experimentVcpus, poolsMaxVcpus, quota });
    const label = `quota "${q.name}" (${q.code}) in ${facts.region}`;
    if (quota === undefined) {
      warnings.push(`${label} could not be read: check it holds ${Math.max(experimentVcpus, poolsMaxVcpus)} vCPUs before \`pulumi up\``);
      continue;
    }
    const desired = Math.max(experimentVcpus, poolsMaxVcpus);
    if (experimentVcpus > quota) {
      problems.push({
        path: "experiment.nodes",
        message:
          `needs ${experimentVcpus} vCPUs of ${label} (${plan.experiment!.nodes} x ${own!.instance!.type} x ${own!.instance!.vcpus} vCPUs), but the account has ${quota}; ` +
          `its nodes would never start. Request more first: ${quotaIncreaseCommand(q.code, desired, facts.region)}`,
      });
    } else if (poolsMaxVcpus > quota) {
      warnings.push(
        `${label} is ${quota} vCPUs but ${members.map((p) => `pool ${p.name} (${p.maxNodes} x ${p.instance!.vcpus})`).join(" + ")} can use ${poolsMaxVcpus} at maxNodes; ` +
          `scale-ups beyond it fail. To raise it: ${quotaIncreaseCommand(q.code, desired, facts.region)}`,
      );
    }
  }
  return { checks, problems, warnings };
}

/** Zone IDs a type is offered in; undefined when unknown. */
function offered(facts: AccountFacts, type: string): ReadonlySet<string> | undefined {
  const list = facts.offerings[type];
  return list ? new Set(list) : undefined;
}

function offersIn(set: ReadonlySet<string> | undefined, zone: Zone | undefined): boolean {
  // Asked by zone ID; an answer in zone names is matched too rather than read as "nowhere".
  return set === undefined || zone === undefined || zone.id === undefined || set.has(zone.id) || set.has(zone.name);
}

function refused(zone: Zone | undefined): boolean {
  return zone?.id !== undefined && EKS_REFUSED_ZONE_IDS.includes(zone.id);
}

function zoneList(zones: readonly Zone[]): string {
  return zones.map((z) => (z.id ? `${z.name} (${z.id})` : z.name)).join(", ");
}

/** Where each managed pool may place nodes: the slots offering its type; one slot for an EFA pool. */
function placements(spec: StackSpec, plan: Plan, facts: AccountFacts, slots: readonly (Zone | undefined)[], where: string) {
  const problems: Problem[] = [];
  const result: Record<string, number[]> = {};
  for (const pool of managedPools(plan)) {
    const type = pool.instance!.type;
    const set = offered(facts, type);
    const indices = slots.map((z, i) => (offersIn(set, z) ? i : -1)).filter((i) => i >= 0);
    if (indices.length === 0) {
      problems.push({ path: `${poolPath(spec, pool)}`, message: `${type} is offered in none of ${where} (offered in zone IDs: ${[...(set ?? [])].join(", ") || "none"})` });
      continue;
    }
    // A cluster placement group lives in one zone, and EFA pools use one (gpu-pool.ts).
    result[pool.name] = pool.efaInterfaces > 0 ? [indices[0]] : indices;
  }
  return { problems, result };
}

/** Zone choice for a VPC this program creates. */
function chooseZones(spec: StackSpec, plan: Plan, facts: AccountFacts, want: number) {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  if (!facts.zones || facts.zones.length === 0) {
    // No zone names are made up: the VPC then takes the region's first available zones from its
    // own lookup at deploy time (components/aws/network.ts), unchecked against EKS and the offerings.
    warnings.push(`the zones of ${facts.region} could not be read: the VPC uses the region's first ${want} Availability Zones without checking which EKS accepts or which offer the pools' instance types`);
    return { zones: [], refusedZones: [], problems, warnings, unknown: true };
  }
  const zones = facts.zones;
  const refusedZones = zones.filter(refused);
  const usable = zones.filter((z) => !refused(z));
  const pools = managedPools(plan);
  for (const pool of pools) {
    const type = pool.instance!.type;
    const set = offered(facts, type);
    if (set === undefined) {
      warnings.push(`the zones offering ${type} (pool ${pool.name}) could not be read: its node group may use every cluster zone`);
      continue;
    }
    if (!usable.some((z) => offersIn(set, z))) {
      const onlyRefused = refusedZones.filter((z) => offersIn(set, z));
      problems.push({
        path: `${poolPath(spec, pool)}`,
        message:
          `${type} is not offered in any zone of ${facts.region} that EKS accepts` +
          (onlyRefused.length > 0 ? ` (only in ${zoneList(onlyRefused)}, where EKS refuses cluster subnets)` : "") +
          `; choose another region (aws:region) or GPU type`,
      });
    }
  }
  if (usable.length < 2) {
    problems.push({ path: "aws:region", message: `${facts.region} has ${usable.length} zone(s) EKS accepts (need 2; zones: ${zoneList(zones)})` });
  } else if (usable.length < want) {
    problems.push({ path: "cluster.availabilityZones", message: `asks for ${want} zones, but ${facts.region} has ${usable.length} that EKS accepts (${zoneList(usable)}; allowed: 2-${usable.length})` });
  }
  // Zones of subnets created before stay in their slots: a subnet never moves (EC2 would have to
  // replace it, and refuses the new one while the old exists). New zones only fill empty slots.
  const kept = keptZones(zones, facts.createdZones ?? []);
  if (facts.createdZones === undefined) {
    warnings.push(`the subnets of an earlier update could not be read: if this stack has been deployed, check in \`pulumi preview\` that no subnet is replaced`);
  }
  // Cover every pool's type first (the zone offering the most uncovered types wins), then fill up
  // to the requested count in the region's order.
  const chosen = new Set<Zone>(kept.filter((z): z is Zone => z !== undefined));
  let uncovered = pools
    .map((p) => offered(facts, p.instance!.type))
    .filter((s): s is ReadonlySet<string> => s !== undefined && usable.some((z) => offersIn(s, z)) && ![...chosen].some((z) => offersIn(s, z)));
  while (uncovered.length > 0) {
    const best = usable
      .filter((z) => !chosen.has(z))
      .map((z) => ({ z, n: uncovered.filter((s) => offersIn(s, z)).length }))
      .sort((a, b) => b.n - a.n)[0];
    if (!best || best.n === 0) break;
    chosen.add(best.z);
    uncovered = uncovered.filter((s) => !offersIn(s, best.z));
  }
  for (const z of usable) if (chosen.size < want) chosen.add(z);
  const ordered = slotted(kept, usable.filter((z) => chosen.has(z) && !kept.includes(z)), usable.filter((z) => !chosen.has(z)));
  const keptCount = kept.filter(Boolean).length;
  if (keptCount > want) {
    warnings.push(`keeps the ${keptCount} zones its subnets were created in (${zoneList(kept.filter((z): z is Zone => z !== undefined))}), more than cluster.availabilityZones ${want}: subnets are never moved or removed`);
  } else if (ordered.length > want) {
    warnings.push(`uses ${ordered.length} zones instead of cluster.availabilityZones ${want}, so that every pool's instance type is offered in one of them`);
  }
  return { zones: ordered, refusedZones: refusedZones.filter(() => true), problems, warnings, unknown: false };
}

/** The region's zone for each created slot (matched by ID, else by name). */
function keptZones(zones: readonly Zone[], created: readonly (Zone | undefined)[]): (Zone | undefined)[] {
  return Array.from(created, (c) => (c ? (zones.find((z) => (c.id && z.id ? z.id === c.id : z.name === c.name)) ?? c) : undefined));
}

/**
 * Kept zones in their slots; new zones fill the empty slots first, then follow. A slot left empty
 * (its subnet deleted by hand) takes a spare zone rather than shifting the later slots.
 */
function slotted(kept: readonly (Zone | undefined)[], added: readonly Zone[], spare: readonly Zone[]): Zone[] {
  const rest = [...added];
  const spares = [...spare];
  const filled = kept.map((z) => z ?? rest.shift() ?? spares.shift()).filter((z): z is Zone => z !== undefined);
  return [...filled, ...rest];
}

/** Subnets of an existing VPC: where they are, and whether EKS takes them. */
function existingVpcSlots(spec: StackSpec, facts: AccountFacts) {
  const vpc = spec.cluster.mode === "create" ? spec.cluster.vpc! : undefined;
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const subnets = vpc!.privateSubnetIds.map((id) => facts.subnets?.find((s) => s.id === id) ?? { id });
  subnets.forEach((s, i) => {
    const at = `cluster.vpc.privateSubnetIds[${i}]`;
    if (s.lookupError !== undefined) {
      problems.push({ path: at, message: `could not be found in ${facts.region} (got ${s.id}${s.lookupError ? `; the lookup said: ${s.lookupError}` : ""}). Name private subnets of cluster.vpc.id ${vpc!.id} that this account can read` });
      return;
    }
    if (s.vpcId !== undefined && s.vpcId !== vpc!.id) problems.push({ path: at, message: `is in ${s.vpcId}, not in cluster.vpc.id ${vpc!.id} (got ${s.id})` });
    if (refused(s.zone)) problems.push({ path: at, message: `is in zone ${s.zone!.name} (${s.zone!.id}), where EKS refuses cluster subnets (got ${s.id}; use subnets in other zones)` });
    if (!s.zone) warnings.push(`the zone of subnet ${s.id} could not be read: it is used without checking what EKS and the pools' instance types need`);
  });
  const zoneIds = new Set(subnets.filter((s) => s.zone).map((s) => s.zone!.id ?? s.zone!.name));
  if (subnets.every((s) => s.zone) && zoneIds.size < 2) {
    problems.push({ path: "cluster.vpc.privateSubnetIds", message: `must span two zones or more (EKS needs subnets in two; got ${zoneIds.size})` });
  }
  return { subnets, problems, warnings };
}

/**
 * `cluster.admins` and the principal running `pulumi`: EKS makes the cluster's creator admin
 * through its own access entry (bootstrapClusterCreatorAdminPermissions, components/aws/cluster.ts)
 * and refuses a second entry for one principal (CreateAccessEntry: ResourceInUseException). Before
 * the first up the caller will be the creator; later, only the person who created it knows.
 */
function adminRules(spec: StackSpec, facts: AccountFacts): { problems: Problem[]; warnings: string[] } {
  const admins = spec.cluster.mode === "create" ? spec.cluster.admins : [];
  const i = facts.caller ? admins.indexOf(facts.caller) : -1;
  if (i < 0) return { problems: [], warnings: [] };
  const firstUp = facts.createdZones !== undefined && facts.createdZones.filter(Boolean).length === 0;
  const why = `is the identity running pulumi (${facts.caller}), which EKS makes cluster admin as the cluster's creator through an access entry of its own; EKS refuses a second access entry for one principal`;
  return firstUp
    ? { problems: [{ path: `cluster.admins[${i}]`, message: `${why}. Leave it out: the creator is admin already` }], warnings: [] }
    : { problems: [], warnings: [`cluster.admins[${i}] ${why}: if you created this cluster, leave it out, or the update fails on that entry`] };
}

/**
 * The account rules for a stack that creates a cluster; nothing to check for other modes.
 * `network: false`: the cluster's network settings (cluster.vpc) were refused, so only the quotas
 * are checked; zones and subnets would be judged for a network the user did not ask for.
 */
export function accountRules(spec: StackSpec, plan: Plan, facts: AccountFacts, scope: { readonly network: boolean } = { network: true }): AccountDecision {
  if (spec.cluster.mode === "reuse") return reuseRules(spec, plan, facts);
  if (spec.cluster.mode !== "create") return { zones: [], refusedZones: [], poolPlacements: {}, quotas: [], problems: [], warnings: [] };
  const cache = cacheRules(spec, facts);
  const decision = createRules(spec, plan, facts, scope);
  return { ...decision, imageCache: cache.imageCache, problems: [...decision.problems, ...cache.problems], warnings: [...decision.warnings, ...cache.warnings] };
}

/** The Docker Hub pull-through cache of a create stack: where it serves, or why it cannot. */
function cacheRules(spec: StackSpec, facts: AccountFacts): { imageCache?: ImageCache; problems: Problem[]; warnings: string[] } {
  const secret = spec.cluster.mode === "create" ? spec.cluster.dockerHubCredentialsSecretArn : undefined;
  if (!secret) return { problems: [], warnings: [] };
  const problems = imageCacheRules(secret, facts.region, facts.accountId);
  if (problems.length > 0) return { problems, warnings: [] };
  if (!facts.accountId) {
    return { problems: [], warnings: ["the account id could not be read (aws.getCallerIdentity): the cache rule is created, but the experiment pulls from Docker Hub until the next `pulumi up`"] };
  }
  return { imageCache: { registry: ecrRegistry(facts.accountId, facts.region), prefix: imageCachePrefix(spec.stack) }, problems: [], warnings: [] };
}

function createRules(spec: StackSpec, plan: Plan, facts: AccountFacts, scope: { readonly network: boolean }): AccountDecision {
  if (spec.cluster.mode !== "create") throw new Error("createRules needs cluster.mode create");
  const quota = quotaRules(spec, plan, facts);
  const admins = adminRules(spec, facts);
  if (!scope.network) {
    return { zones: [], refusedZones: [], poolPlacements: {}, quotas: quota.checks, problems: [...quota.problems, ...admins.problems], warnings: [...quota.warnings, ...admins.warnings] };
  }
  if (spec.cluster.vpc) {
    const slots = existingVpcSlots(spec, facts);
    const place = placements(spec, plan, facts, slots.subnets.map((s) => s.zone), `the zones of cluster.vpc.privateSubnetIds`);
    return {
      zones: slots.subnets.map((s) => s.zone ?? { name: "unknown" }),
      refusedZones: [],
      subnetIds: slots.subnets.map((s) => s.id),
      poolPlacements: place.result,
      quotas: quota.checks,
      problems: [...slots.problems, ...place.problems, ...quota.problems, ...admins.problems],
      warnings: [...slots.warnings, ...quota.warnings, ...admins.warnings],
    };
  }
  const chosen = chooseZones(spec, plan, facts, spec.cluster.availabilityZones);
  const place = chosen.problems.length === 0 && !chosen.unknown ? placements(spec, plan, facts, chosen.zones, `the cluster's zones ${zoneList(chosen.zones)}`) : { problems: [], result: {} };
  return {
    zones: chosen.zones,
    refusedZones: chosen.refusedZones,
    poolPlacements: place.result,
    quotas: quota.checks,
    problems: [...chosen.problems, ...place.problems, ...quota.problems, ...admins.problems],
    warnings: [...chosen.warnings, ...quota.warnings, ...admins.warnings],
  };
}

/**
 * A stack that reuses a cluster, checked as a create stack is, on what the cluster stack exports:
 * the region its lookups must ask, the experiment's pool as deployed, and the GPU quota of that
 * pool's instance type and capacity. The exports, not the cluster stack's file, say what runs: the
 * file may have been edited since its last `pulumi up`.
 */
function reuseRules(spec: StackSpec, plan: Plan, facts: AccountFacts): AccountDecision {
  const cluster = facts.cluster;
  const none = { zones: [], refusedZones: [], poolPlacements: {}, quotas: [], cluster };
  if (spec.cluster.mode !== "reuse" || !cluster) return { ...none, problems: [], warnings: [] };
  const stack = spec.cluster.stack;
  if (!cluster.region || !cluster.pools) {
    return {
      ...none,
      problems: [],
      warnings: [`stack ${stack} exports no region or pools (it was last updated before it exported them): run \`pulumi up\` on it to check this stack's GPU quota against its pools`],
    };
  }
  if (cluster.region !== facts.region) {
    return { ...none, problems: [{ path: "aws:region", message: `is ${facts.region}, but the cluster of stack ${stack} is in ${cluster.region} (set aws:region: ${cluster.region})` }], warnings: [] };
  }
  const problems: Problem[] = [];
  const own = plan.experiment?.pool;
  const deployed = own ? cluster.pools[own] : undefined;
  const planned = own ? plan.pools.find((p) => p.name === own) : undefined;
  if (own && planned?.kind === "managed" && !deployed) {
    problems.push({ path: "experiment.pool", message: `names pool ${own}, which stack ${stack} has in its file but not in its cluster (deployed managed pools: ${Object.keys(cluster.pools).join(", ") || "none"}); run \`pulumi up\` on stack ${stack} first` });
  } else if (deployed && planned?.instance && planned.instance.type !== deployed.instanceType) {
    problems.push({ path: "experiment.pool", message: `pool ${own} runs ${deployed.instanceType} in the cluster of stack ${stack}, but its file now says ${planned.instance.type}; run \`pulumi up\` on stack ${stack} first, so the run is sized for the nodes it gets` });
  }
  // The quotas as the deployed pools use them (capacity, maxNodes), for the instance types both agree on.
  const asDeployed: Plan = {
    ...plan,
    pools: plan.pools.map((p) => {
      const d = cluster.pools![p.name];
      return d && p.instance?.type === d.instanceType ? { ...p, capacity: d.capacity, maxNodes: d.maxNodes } : p;
    }),
  };
  const quota = quotaRules(spec, asDeployed, facts);
  return { ...none, imageCache: cluster.imageCache, quotas: quota.checks, problems: [...problems, ...quota.problems], warnings: quota.warnings };
}
