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
import { AccountFacts, GPU_QUOTAS, SubnetFact, Zone, quotaFor } from "../../plan/account";
import { SourceFacts, VOLUME_SOURCES, VolumeSource, typeOf, usesOf } from "../../config/sources";
import type { AccountReader, SourceUse, VolumeSourceKind } from "../../config/sources/kind";
import type { Plan } from "../../plan/plan";
import { eksClusterName } from "../naming";
import { MAX_ZONES, subnetLayout, subnetTags } from "./builders/subnets";

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
 * carry (subnetTags): a stack's cluster name is its own. No subnets (a first up): an empty list.
 */
async function createdZones(stack: string, vpcCidr: string): Promise<(Zone | undefined)[] | undefined> {
  const [tag, value] = Object.entries(subnetTags(eksClusterName(stack), "private"))[0];
  const found = await attempt("the subnets of an earlier update", () => aws.ec2.getSubnets({ filters: [{ name: `tag:${tag}`, values: [value] }] }));
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

/** Every account fact the rules of a create-mode stack need; nothing for other modes. */
export async function lookupAccountFacts(spec: StackSpec, plan: Plan): Promise<AccountFacts | undefined> {
  if (spec.cluster.mode !== "create") return undefined;
  const managed = plan.pools.filter((p) => p.kind === "managed" && p.instance);
  const types = [...new Set(managed.map((p) => p.instance!.type))];
  const codes = [...new Set(managed.map((p) => quotaFor(p.instance!.type, p.capacity)?.code).filter((c): c is string => !!c))];
  const vpc = spec.cluster.vpc;
  const [zoneList, offers, quotas, subnets, created, callerArn] = await Promise.all([
    zones(),
    Promise.all(types.map(async (t) => [t, await offering(t)] as const)),
    Promise.all(GPU_QUOTAS.filter((q) => codes.includes(q.code)).map(async (q) => [q.code, await quota(q.code)] as const)),
    vpc ? Promise.all(vpc.privateSubnetIds.map(subnet)) : Promise.resolve(undefined),
    vpc ? Promise.resolve(undefined) : createdZones(spec.stack, spec.cluster.vpcCidr),
    spec.cluster.admins.length > 0 ? caller() : Promise.resolve(undefined),
  ]);
  return { region: spec.region, zones: zoneList, offerings: Object.fromEntries(offers), quotas: Object.fromEntries(quotas), subnets, createdZones: created, caller: callerArn };
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
export async function lookupSourceFacts(stack: string, uses: readonly SourceUse<VolumeSource>[]): Promise<SourceFacts> {
  const reader: AccountReader = { aws, stack, known, attempt };
  const read = await Promise.all(
    (VOLUME_SOURCES as readonly VolumeSourceKind[]).map(async (kind) => {
      const own = usesOf(kind, uses);
      return kind.account && own.length > 0 ? ([[typeOf(kind), await kind.account.read(own, reader)]] as const) : [];
    }),
  );
  return Object.fromEntries(read.flat());
}
