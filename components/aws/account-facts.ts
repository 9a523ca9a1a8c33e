/**
 * The data-source lookups behind plan/account.ts and the volume sources' account checks
 * (config/sources/), awaited before the first
 * resource is registered. `pulumi preview` runs them against the account; the offline plan's
 * mocks (tools/mocks.ts) answer them. A missing field in an answer is left undefined ("unknown"):
 * the rules warn about it instead of guessing.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackSpec } from "../../config/spec";
import { AccountFacts, ClusterExports, ExportedPool, GPU_QUOTAS, SubnetFact, Zone, quotaFor } from "../../plan/account";
import { CLUSTER_OUTPUTS, clusterReference } from "../target";
import { parseCacheLocation } from "../../plan/image-cache";
import { SourceFacts, VOLUME_SOURCES, VolumeSource, typeOf, usesOf } from "../../config/sources";
import type { AccountReader, SourceUse, VolumeSourceKind } from "../../config/sources/kind";
import type { Plan } from "../../plan/plan";
import { eksClusterName } from "../naming";
import { STACK_TAG, awsTags } from "./builders/cluster-args";
import { MAX_ZONES, subnetLayout, subnetTags } from "./builders/subnets";
import type { ApiFacts, ClusterVersionFact, InstanceTypeAnswer, SpotPriceFact } from "../../plan/api-facts";
import { ADDON_VERSIONS, AddonName } from "../../catalog/versions";

const stringList = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/** A lookup that fails (permissions, throttling) is an unknown, reported by the rules as such. */
async function attempt<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    pulumi.log.warn(`could not look up ${what}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/**
 * Availability Zones only: by default the lookup also lists the Local and Wavelength Zones the
 * account opted into, where EKS control-plane subnets and GPU node groups do not belong. The
 * opt-in-status filter keeps the zones that need no opt-in, as the "By Filter" example of
 * https://www.pulumi.com/registry/packages/aws/api-docs/getavailabilityzones/ does (filter values
 * opted-in | not-opted-in | opt-in-not-required: EC2 DescribeAvailabilityZones, "Filters").
 */
export const AVAILABILITY_ZONES_ONLY = { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] };

async function zones(): Promise<Zone[] | undefined> {
  const r = await attempt("the availability zones", () => aws.getAvailabilityZones(AVAILABILITY_ZONES_ONLY));
  const names = stringList(r?.names);
  const ids = stringList(r?.zoneIds);
  if (!names || names.length === 0) return undefined;
  return names.map((name, i) => ({ name, id: ids && ids.length === names.length ? ids[i] : undefined }));
}

/** Zone IDs offering `type` (location type availability-zone-id, so the answer is account-independent). */
async function offering(type: string): Promise<string[] | undefined> {
  const r = await attempt(`the zones offering ${type}`, () =>
    aws.ec2.getInstanceTypeOfferings({ locationType: "availability-zone-id", filters: [{ name: "instance-type", values: [type] }] }),
  );
  const locations = stringList(r?.locations);
  if (!locations) return undefined;
  const types = stringList(r?.instanceTypes);
  // Parallel lists; keep only rows of this type when the answer says which type each row is.
  return types && types.length === locations.length ? locations.filter((_, i) => types[i] === type) : locations;
}

async function quota(code: string): Promise<number | undefined> {
  const r = await attempt(`EC2 quota ${code}`, () => aws.servicequotas.getServiceQuota({ serviceCode: "ec2", quotaCode: code }));
  const v = (r as { value?: unknown } | undefined)?.value;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/**
 * A subnet the stack names: a lookup that fails (no such subnet, or no right to read it) is kept as
 * an error, since the cluster would be created in it; an answer without fields is an unknown.
 */
async function subnet(id: string): Promise<SubnetFact> {
  try {
    const r = await aws.ec2.getSubnet({ id });
    const name = str(r?.availabilityZone);
    return { id, vpcId: str(r?.vpcId), zone: name ? { name, id: str(r?.availabilityZoneId) } : undefined };
  } catch (e) {
    return { id, lookupError: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The zone of each private subnet an earlier `pulumi up` of this stack created, by slot (the i-th
 * block of the VPC's layout, components/aws/builders/subnets.ts): a subnet's zone and CIDR can
 * never change without replacing it, and EC2 refuses the replacement while the old one exists
 * (InvalidSubnet.Conflict), so the zone choice keeps them. Found by the cluster tag the subnets
 * carry (subnetTags) and the stack's tags: a stack's cluster name is its own. No subnets (a first
 * up): an empty list.
 */
async function createdZones(stack: string, vpcCidr: string): Promise<(Zone | undefined)[] | undefined> {
  // The cluster tag alone is also what a subnet made by hand for the cluster's load balancers
  // carries (kubernetes.io/cluster/<name>); the stack's own tags (awsTags), which every subnet of
  // ours has had from its first up, narrow it to ours. EC2 ANDs the filters (DescribeSubnets).
  const ours = { ...Object.fromEntries([Object.entries(subnetTags(eksClusterName(stack), "private"))[0]]), ...awsTags(stack, eksClusterName(stack)) };
  const filters = Object.entries(ours).map(([tag, value]) => ({ name: `tag:${tag}`, values: [value] }));
  const found = await attempt("the subnets of an earlier update", () => aws.ec2.getSubnets({ filters }));
  const ids = stringList(found?.ids);
  if (!ids) return undefined;
  const slots = subnetLayout(vpcCidr, MAX_ZONES).private;
  const subnets = await Promise.all(ids.map((id) => attempt(`subnet ${id}`, () => aws.ec2.getSubnet({ id }))));
  const zones: (Zone | undefined)[] = [];
  for (const s of subnets) {
    const slot = slots.indexOf(str(s?.cidrBlock) ?? "");
    const name = str(s?.availabilityZone);
    if (slot >= 0 && name) zones[slot] = { name, id: str(s?.availabilityZoneId) };
  }
  return zones;
}

/**
 * The IAM principal running `pulumi`, as an access entry names it: an assumed-role session
 * (arn:aws:sts::…:assumed-role/R/S) resolved to its role by aws.iam.getSessionContext, which passes
 * other ARNs through (https://www.pulumi.com/registry/packages/aws/api-docs/iam/getsessioncontext/).
 */
async function caller(): Promise<string | undefined> {
  const identity = await attempt("the caller's identity", () => aws.getCallerIdentity({}));
  const arn = str(identity?.arn);
  if (!arn) return undefined;
  const context = await attempt(`the IAM role of ${arn}`, () => aws.iam.getSessionContext({ arn }));
  return str(context?.issuerArn);
}

/** The account the stack deploys into: the registry the pull-through cache serves from. */
async function account(): Promise<string | undefined> {
  const identity = await attempt("the account id", () => aws.getCallerIdentity({}));
  return str(identity?.accountId);
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
};
const day = (v: unknown): string | undefined => (typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined);

/**
 * EC2's description of a type (aws.ec2.getInstanceType, DescribeInstanceTypes). EC2 answers an
 * unknown type with InvalidInstanceType ("The following supplied instance types do not exist",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html): that is an answer,
 * "no such type"; any other failure (permissions, throttling) is an unknown.
 */
async function instanceType(type: string): Promise<InstanceTypeAnswer | undefined> {
  try {
    const r = await aws.ec2.getInstanceType({ instanceType: type });
    const gpus = Array.isArray(r?.gpuses) ? r.gpuses : undefined;
    const memoryMiB = num(r?.memorySize);
    return {
      known: true,
      fact: {
        gpus: gpus ? gpus.reduce((sum, g) => sum + (num(g?.count) ?? 0), 0) : undefined,
        gpuName: gpus && gpus.length > 0 ? str(gpus[0]?.name) : undefined,
        vcpus: num(r?.defaultVcpus),
        memoryGiB: memoryMiB === undefined ? undefined : memoryMiB / 1024,
        efaInterfaces: r?.efaSupported === false ? 0 : num(r?.efaMaximumInterfaces),
      },
    };
  } catch (e) {
    const said = e instanceof Error ? e.message : String(e);
    if (/InvalidInstanceType|do not exist/i.test(said)) return { known: false, said };
    pulumi.log.warn(`could not look up instance type ${type}: ${said}`);
    return undefined;
  }
}

/** EKS's support dates of one Kubernetes version (aws.eks.getClusterVersions). */
async function clusterVersion(version: string): Promise<ClusterVersionFact | undefined> {
  const r = await attempt(`the EKS support dates of Kubernetes ${version}`, () => aws.eks.getClusterVersions({ clusterVersionsOnlies: [version], includeAll: true }));
  const row = (Array.isArray(r?.clusterVersions) ? r.clusterVersions : []).find((v) => v?.clusterVersion === version);
  if (!row) return undefined;
  return { status: str(row.versionStatus), endOfStandardSupport: day(row.endOfStandardSupportDate), endOfExtendedSupport: day(row.endOfExtendedSupportDate) };
}

/** The latest Linux/UNIX spot price of a type in the region (aws.ec2.getSpotPrice). */
async function spotPrice(type: string): Promise<SpotPriceFact | undefined> {
  const r = await attempt(`the spot price of ${type}`, () => aws.ec2.getSpotPrice({ instanceType: type, filters: [{ name: "product-description", values: ["Linux/UNIX"] }] }));
  const price = num(r?.spotPrice);
  return price === undefined ? undefined : { pricePerHour: price, zone: str(r?.availabilityZone), at: str(r?.spotPriceTimestamp) };
}

/** The most recent version of an EKS add-on for a Kubernetes version (aws.eks.getAddonVersion). */
async function addonLatest(addon: AddonName, k8s: string): Promise<string | undefined> {
  const r = await attempt(`the ${addon} versions of Kubernetes ${k8s}`, () => aws.eks.getAddonVersion({ addonName: addon, kubernetesVersion: k8s, mostRecent: true }));
  return str(r?.version);
}

async function apiFacts(spec: StackSpec, types: readonly string[], spotTypes: readonly string[]): Promise<ApiFacts> {
  const k8s = spec.cluster.mode === "create" ? spec.cluster.kubernetesVersion : undefined;
  const addons = k8s ? (Object.keys(ADDON_VERSIONS[k8s]) as AddonName[]) : [];
  const [instanceTypes, version, spot, latest] = await Promise.all([
    Promise.all(types.map(async (t) => [t, await instanceType(t)] as const)),
    k8s ? clusterVersion(k8s) : Promise.resolve(undefined),
    Promise.all(spotTypes.map(async (t) => [t, await spotPrice(t)] as const)),
    Promise.all(addons.map(async (a) => [a, await addonLatest(a, k8s!)] as const)),
  ]);
  return { instanceTypes: Object.fromEntries(instanceTypes), clusterVersion: version, spotPrices: Object.fromEntries(spot), addons: Object.fromEntries(latest) };
}

const exportedPool = (v: unknown): ExportedPool | undefined => {
  const p = (v ?? {}) as Record<string, unknown>;
  const capacity = p.capacity === "spot" || p.capacity === "on-demand" ? p.capacity : undefined;
  const maxNodes = num(p.maxNodes);
  return str(p.instanceType) && capacity && maxNodes !== undefined ? { instanceType: str(p.instanceType)!, capacity, maxNodes } : undefined;
};

/**
 * What the reused cluster's stack exports (CLUSTER_OUTPUTS), read through the stack's one
 * StackReference. A field missing from its state (a cluster stack last updated before it exported
 * it) is undefined; the rules say so.
 */
async function clusterExports(spec: StackSpec): Promise<ClusterExports | undefined> {
  if (spec.cluster.mode !== "reuse") return undefined;
  const { reference } = clusterReference(spec);
  const read = async (name: string) => known(reference.getOutput(name)).catch(() => undefined);
  const [region, vpcId, sg, pools, cache] = await Promise.all([
    read(CLUSTER_OUTPUTS.region),
    read(CLUSTER_OUTPUTS.vpcId),
    read(CLUSTER_OUTPUTS.clusterSecurityGroupId),
    read(CLUSTER_OUTPUTS.pools),
    read(CLUSTER_OUTPUTS.imageCache),
  ]);
  const poolList = pools && typeof pools === "object" ? Object.entries(pools as Record<string, unknown>).map(([n, p]) => [n, exportedPool(p)] as const) : undefined;
  return {
    stack: spec.cluster.stack,
    region: str(region),
    vpcId: str(vpcId),
    clusterSecurityGroupId: str(sg),
    pools: poolList && poolList.every(([, p]) => p) ? Object.fromEntries(poolList) as Record<string, ExportedPool> : undefined,
    imageCache: parseCacheLocation(cache),
  };
}

/** A reusing stack's facts: its cluster stack's exports, and the GPU quotas of the deployed pools' types. */
async function reuseFacts(spec: StackSpec): Promise<AccountFacts | undefined> {
  const cluster = await clusterExports(spec);
  if (!cluster) return undefined;
  const codes = [...new Set(Object.values(cluster.pools ?? {}).map((p) => quotaFor(p.instanceType, p.capacity)?.code).filter((c): c is string => !!c))];
  // The quotas are regional: asked only where the cluster is (the rules refuse another region).
  const quotas = cluster.region === spec.region ? await Promise.all(codes.map(async (c) => [c, await quota(c)] as const)) : [];
  return { region: spec.region, offerings: {}, quotas: Object.fromEntries(quotas), cluster };
}

/** Every account fact the rules of a create-mode or reuse-mode stack need; nothing for an existing cluster. */
export async function lookupAccountFacts(spec: StackSpec, plan: Plan): Promise<AccountFacts | undefined> {
  if (spec.cluster.mode === "reuse") return reuseFacts(spec);
  if (spec.cluster.mode !== "create") return undefined;
  const managed = plan.pools.filter((p) => p.kind === "managed" && p.instance);
  const types = [...new Set(managed.map((p) => p.instance!.type))];
  const codes = [...new Set(managed.map((p) => quotaFor(p.instance!.type, p.capacity)?.code).filter((c): c is string => !!c))];
  const vpc = spec.cluster.vpc;
  const spotTypes = [...new Set(managed.filter((p) => p.capacity === "spot").map((p) => p.instance!.type))];
  const [zoneList, offers, quotas, subnets, created, callerArn, api, accountId] = await Promise.all([
    zones(),
    Promise.all(types.map(async (t) => [t, await offering(t)] as const)),
    Promise.all(GPU_QUOTAS.filter((q) => codes.includes(q.code)).map(async (q) => [q.code, await quota(q.code)] as const)),
    vpc ? Promise.all(vpc.privateSubnetIds.map(subnet)) : Promise.resolve(undefined),
    vpc ? Promise.resolve(undefined) : createdZones(spec.stack, spec.cluster.vpcCidr),
    spec.cluster.admins.length > 0 ? caller() : Promise.resolve(undefined),
    apiFacts(spec, types, spotTypes),
    spec.cluster.dockerHubCredentialsSecretArn ? account() : Promise.resolve(undefined),
  ]);
  return { region: spec.region, zones: zoneList, offerings: Object.fromEntries(offers), quotas: Object.fromEntries(quotas), subnets, createdZones: created, caller: callerArn, api, accountId };
}

/**
 * The value of a read's output, or undefined while it is unknown (`pulumi preview` of a field the
 * read does not give). `apply` would never run for an unknown, so the program would wait forever;
 * the SDK's Output carries `isKnown` and `promise()` (@pulumi/pulumi output.js, OutputImpl, marked
 * internal and left out of the type declarations). A failed read rejects both, and is thrown here
 * to be named as a problem of the field; the SDK reports the failed read itself as well and fails
 * the run (runtime/resource.js, runAsyncResourceOp re-raises it), before anything is created.
 */
async function known<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  const o = output as unknown as { isKnown?: Promise<boolean>; promise?: () => Promise<T> };
  if (!o.isKnown || !o.promise) return new Promise((res) => output.apply((v) => res(v)));
  return (await o.isKnown) ? await o.promise() : undefined;
}

/**
 * What the account says of the experiment's volume sources: each kind with an account check
 * (config/sources/, `account`) reads its own, through the reader given here.
 */
export async function lookupSourceFacts(stack: string, uses: readonly SourceUse<VolumeSource>[], nodesSecurityGroupId?: string): Promise<SourceFacts> {
  const reader: AccountReader = { aws, stack, ownTag: [STACK_TAG, stack], nodesSecurityGroupId, known, attempt };
  const read = await Promise.all(
    (VOLUME_SOURCES as readonly VolumeSourceKind[]).map(async (kind) => {
      const own = usesOf(kind, uses);
      return kind.account && own.length > 0 ? ([[typeOf(kind), await kind.account.read(own, reader)]] as const) : [];
    }),
  );
  return Object.fromEntries(read.flat());
}
