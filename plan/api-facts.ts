/**
 * What the AWS APIs say of the stack's instance types, Kubernetes version, spot prices and
 * add-on versions, against the catalog, which is their offline cache (catalog/instances.ts
 * PRICE_LIST, catalog/kubernetes-versions.ts VERSION_TABLE). At `pulumi preview` the API is the
 * judge: a disagreement is a warning naming both figures, a type EC2 does not know is refused.
 * The facts come from data-source invokes (components/aws/account-facts.ts); the rules here are pure.
 */
import { gpuSpec } from "../catalog/gpus";
import { InstanceSpec, PRICE_LIST } from "../catalog/instances";
import type { KubernetesVersion } from "../catalog/kubernetes-versions";
import { AddonName, addonVersion } from "../catalog/versions";
import type { Problem } from "../config/errors";
import type { StackSpec } from "../config/spec";
import type { Plan } from "./plan";
import type { PoolPlan } from "./pools";

/** aws.ec2.getInstanceType, reduced to what the catalog records. */
export interface InstanceTypeFact {
  readonly gpus?: number;
  /** GPU model as EC2 names it ("A10G", "L40S", "H200"). */
  readonly gpuName?: string;
  readonly vcpus?: number;
  readonly memoryGiB?: number;
  /** 0 where EFA is not supported. */
  readonly efaInterfaces?: number;
}

/** The answer for one type: its facts, EC2's "no such type", or undefined when the lookup failed. */
export type InstanceTypeAnswer = { readonly known: true; readonly fact: InstanceTypeFact } | { readonly known: false; readonly said: string };

/** aws.eks.getClusterVersions for one version (dates as YYYY-MM-DD). */
export interface ClusterVersionFact {
  readonly status?: string;
  readonly endOfStandardSupport?: string;
  readonly endOfExtendedSupport?: string;
}

/** aws.ec2.getSpotPrice: the latest Linux spot price of a type. */
export interface SpotPriceFact {
  readonly pricePerHour: number;
  readonly zone?: string;
  readonly at?: string;
}

export interface ApiFacts {
  readonly instanceTypes: Readonly<Record<string, InstanceTypeAnswer | undefined>>;
  /** undefined: the lookup failed or did not list the version. */
  readonly clusterVersion?: ClusterVersionFact;
  readonly spotPrices: Readonly<Record<string, SpotPriceFact | undefined>>;
  /** Add-on → the most recent version EKS offers for the cluster's Kubernetes version. */
  readonly addons: Readonly<Partial<Record<AddonName, string | undefined>>>;
}

export interface ApiDecision {
  /** Lines for the plan: what the API said of each pool, spot price and add-on. */
  readonly lines: readonly string[];
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

const CACHE = `the catalog (catalog/instances.ts, AWS price list of ${PRICE_LIST.date})`;

function poolPath(spec: StackSpec, pool: PoolPlan): string {
  return `nodePools[${spec.pools.findIndex((p) => p.name === pool.name)}]`;
}

/** Each field the API and the catalog disagree on, as "field: API x, catalog y". */
export function instanceDisagreements(cached: InstanceSpec, api: InstanceTypeFact): string[] {
  const out: string[] = [];
  const differ = (field: string, a: number | undefined, c: number) => {
    if (a !== undefined && a !== c) out.push(`${field}: EC2 API ${a}, catalog ${c}`);
  };
  differ("GPUs", api.gpus, cached.gpus);
  differ("vCPUs", api.vcpus, cached.vcpus);
  differ("memory GiB", api.memoryGiB, cached.memoryGiB);
  differ("EFA interfaces", api.efaInterfaces, cached.efaInterfaces);
  const model = gpuSpec(cached.gpu).displayName;
  if (api.gpuName !== undefined && !model.toUpperCase().split(/\s+/).includes(api.gpuName.toUpperCase())) out.push(`GPU: EC2 API ${api.gpuName}, catalog ${model}`);
  return out;
}

function instanceRules(spec: StackSpec, plan: Plan, facts: ApiFacts, region: string, out: { lines: string[]; problems: Problem[]; warnings: string[] }) {
  for (const pool of plan.pools.filter((p) => p.kind === "managed" && p.instance)) {
    const type = pool.instance!.type;
    const answer = facts.instanceTypes[type];
    const at = poolPath(spec, pool);
    const pinned = spec.pools.find((p) => p.name === pool.name)?.instanceType !== undefined;
    if (answer === undefined) {
      out.warnings.push(`the EC2 API could not be asked about ${type} (pool ${pool.name}): its GPUs, vCPUs, memory and EFA are the catalog's, unchecked`);
      continue;
    }
    if (!answer.known) {
      out.problems.push({
        path: pinned ? `${at}.instanceType` : `${at}.gpu`,
        message: `${type} is not an instance type EC2 knows in ${region} (got ${type}${pinned ? "" : ", the catalog's choice"}; the API said: ${answer.said})`,
      });
      continue;
    }
    const api = answer.fact;
    const differ = instanceDisagreements(pool.instance!, api);
    if (differ.length > 0) out.warnings.push(`pool ${pool.name}: ${type} per the EC2 API differs from ${CACHE}: ${differ.join("; ")}; the node will have what the API says`);
    out.lines.push(`  ${type} (pool ${pool.name}): ${api.gpus ?? "?"} x ${api.gpuName ?? "?"}, ${api.vcpus ?? "?"} vCPUs, ${api.memoryGiB ?? "?"} GiB, ${api.efaInterfaces ?? "?"} EFA${differ.length ? " (differs from the catalog)" : " (as the catalog)"}`);
    if (plan.experiment?.pool === pool.name && api.gpus !== undefined && api.gpus < spec.experiment!.gpusPerNode) {
      out.problems.push({ path: "experiment.gpusPerNode", message: `${spec.experiment!.gpusPerNode} exceeds the ${api.gpus} GPUs the EC2 API gives ${type} (allowed 1-${api.gpus})` });
    }
  }
}

/**
 * Spot pools: the API's latest spot price against the on-demand price. Interruption: EC2 reclaims
 * a spot node with a two-minute notice (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-interruptions.html);
 * a run without checkpoints starts over.
 */
function spotRules(plan: Plan, facts: ApiFacts, out: { lines: string[]; warnings: string[] }) {
  for (const pool of plan.pools.filter((p) => p.kind === "managed" && p.instance && p.capacity === "spot")) {
    const type = pool.instance!.type;
    const spot = facts.spotPrices[type];
    const onDemand = pool.instance!.pricePerHour;
    if (!spot) {
      out.lines.push(`  spot ${type} (pool ${pool.name}): price not read; at most the on-demand $${onDemand?.toFixed(3) ?? "?"}/h`);
      continue;
    }
    const saving = onDemand ? ` (${Math.round((1 - spot.pricePerHour / onDemand) * 100)}% below on-demand $${onDemand.toFixed(3)}/h)` : "";
    out.lines.push(
      `  spot ${type} (pool ${pool.name}): $${spot.pricePerHour.toFixed(3)}/h${spot.zone ? ` in ${spot.zone}` : ""}${spot.at ? ` at ${spot.at}` : ""}${saving}; ` +
        `EC2 may reclaim a spot node with 2 minutes' notice: checkpoint, or the run starts over`,
    );
  }
}

/** "v1.21.1-eksbuild.7" → [1, 21, 1, 7], for ordering add-on versions. */
export function addonVersionParts(v: string): number[] {
  return (v.match(/\d+/g) ?? []).map(Number);
}

function compareParts(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function addonRules(k8s: KubernetesVersion, facts: ApiFacts, out: { lines: string[]; problems: Problem[]; warnings: string[] }) {
  for (const [addon, latest] of Object.entries(facts.addons) as [AddonName, string | undefined][]) {
    const pinned = addonVersion(k8s, addon);
    if (latest === undefined) {
      out.warnings.push(`EKS could not be asked for the ${addon} versions of Kubernetes ${k8s}: the pin ${pinned} (catalog/versions.ts) is unchecked`);
      continue;
    }
    const order = compareParts(addonVersionParts(pinned), addonVersionParts(latest));
    if (order > 0) {
      // A warning naming both, as for every figure the cache and the API disagree on: an answer
      // that is not the most recent (a stale or partial listing) must not stop a stack.
      out.warnings.push(
        `the ${addon} add-on pinned for Kubernetes ${k8s} (${pinned}, catalog/versions.ts) is newer than the most recent EKS lists for it (${latest}): ` +
          `EKS refuses an add-on version it does not offer for the cluster's version; check \`aws eks describe-addon-versions --addon-name ${addon} --kubernetes-version ${k8s}\` and move the pin`,
      );
    } else if (order < 0) {
      out.lines.push(`  add-on ${addon}: pinned ${pinned}; EKS offers up to ${latest} for Kubernetes ${k8s}`);
    } else {
      out.lines.push(`  add-on ${addon}: pinned ${pinned}, the most recent EKS offers for Kubernetes ${k8s}`);
    }
  }
}

/** The API's word on the stack's pools and add-ons; the version rule is in deploy-gate.ts. */
export function apiRules(spec: StackSpec, plan: Plan, facts: ApiFacts, region: string, scope: { readonly version: boolean }): ApiDecision {
  const out = { lines: [] as string[], problems: [] as Problem[], warnings: [] as string[] };
  instanceRules(spec, plan, facts, region, out);
  spotRules(plan, facts, out);
  if (spec.cluster.mode === "create" && scope.version) addonRules(spec.cluster.kubernetesVersion, facts, out);
  return out;
}
