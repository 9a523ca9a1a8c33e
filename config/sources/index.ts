/**
 * The registry of volume source kinds. The schema's union, the rules, the Kubernetes volumes, the
 * IAM grants, the account checks and the cluster's CSI add-ons all iterate this list, so a new
 * kind is its module (config/sources/kind.ts says what it holds) and one line here.
 */
import { z } from "zod";
import { Problem, show } from "../errors";
import { fsxSource } from "./fsx";
import { hostPathSource } from "./host-path";
import type { ClusterMode, PoolKind, SourceAccountDecision, SourceNetwork, SourcePool, SourceUse, VolumeRole, VolumeSourceKind } from "./kind";
import { pvcSource } from "./pvc";
import { s3Source } from "./s3";

/** Every kind, in the order messages and the reference list them. */
export const VOLUME_SOURCES = [s3Source, fsxSource, pvcSource, hostPathSource] as const;

/** The kinds' schemas as one union on `type`, typed member by member. */
function unionOf<T extends readonly [VolumeSourceKind<any, any>, ...VolumeSourceKind<any, any>[]]>(kinds: T) {
  type Schemas = { -readonly [K in keyof T]: T[K] extends { readonly schema: infer S } ? S : never };
  return z.discriminatedUnion("type", kinds.map((k) => k.schema) as unknown as Schemas);
}

export const volumeSourceSchema = unionOf(VOLUME_SOURCES);
export type VolumeSource = z.output<typeof volumeSourceSchema>;

export const typeOf = (kind: VolumeSourceKind): string => kind.schema.shape.type.value;
export const SOURCE_TYPES: readonly string[] = VOLUME_SOURCES.map(typeOf);

/** The kind of a source (its schema admitted the type, so there is one). */
export function sourceKind(type: string): VolumeSourceKind {
  const kind = (VOLUME_SOURCES as readonly VolumeSourceKind[]).find((k) => typeOf(k) === type);
  if (!kind) throw new Error(`unreachable: no volume source kind "${type}"`);
  return kind;
}

/** The experiment's volumes in mount order (datasets, then the output), with their config paths. */
export function sourceUses(experiment: {
  readonly datasets: readonly { readonly name: string; readonly mountPath: string; readonly source: VolumeSource }[];
  readonly output?: { readonly name: string; readonly mountPath: string; readonly source: VolumeSource };
}): SourceUse<VolumeSource>[] {
  const use = (v: { name: string; mountPath: string; source: VolumeSource }, role: VolumeRole, path: string) => ({ path, role, name: v.name, mountPath: v.mountPath, source: v.source });
  return [...experiment.datasets.map((v, i) => use(v, "dataset", `experiment.datasets[${i}]`)), ...(experiment.output ? [use(experiment.output, "output", "experiment.output")] : [])];
}

/** The uses of one kind. */
export function usesOf(kind: VolumeSourceKind, uses: readonly SourceUse<VolumeSource>[]): SourceUse<VolumeSource>[] {
  return uses.filter((u) => u.source.type === typeOf(kind));
}

/** `a, b or c`. */
const either = (names: readonly string[]) => (names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`);

/**
 * Every rule of the experiment's volume sources: where each kind may be used, the receiving API's
 * rules on each source, and the rules across the volumes of a kind.
 */
export function volumeSourceRules(
  uses: readonly SourceUse<VolumeSource>[],
  where: { readonly clusterMode?: ClusterMode; readonly poolKind?: PoolKind; readonly poolMachines?: number; readonly runNodes?: number; readonly pool?: SourcePool },
): Problem[] {
  const problems: Problem[] = [];
  for (const use of uses) {
    problems.push(...machineLocalOutputRules(use, where));
    const kind = sourceKind(use.source.type);
    const type = use.source.type;
    if (kind.needsEks && where.clusterMode === "existing") {
      const allowed = SOURCE_TYPES.filter((t) => !sourceKind(t).needsEks);
      problems.push({ path: `${use.path}.source.type`, message: `${show(type)} needs an EKS cluster (got it with cluster.mode "existing"; allowed there: ${allowed.join(", ")})` });
    }
    if (kind.pools && where.poolKind && !kind.pools.kinds.includes(where.poolKind)) {
      const instead = SOURCE_TYPES.filter((t) => sourceKind(t).pools?.kinds.includes(where.poolKind!) ?? true);
      problems.push({ path: `${use.path}.source.type`, message: `${show(type)} only applies to ${kind.pools.kinds.join(" and ")} pools (${kind.pools.why}; use ${either(instead)})` });
    }
    if (kind.newCluster && where.clusterMode === "create") problems.push({ path: `${use.path}.source.type`, message: `${show(type)} ${kind.newCluster}` });
    problems.push(...(kind.apiRules?.(use) ?? []));
    if (where.pool) problems.push(...(kind.poolRules?.(use, where.pool) ?? []));
  }
  for (const kind of VOLUME_SOURCES as readonly VolumeSourceKind[]) {
    const own = usesOf(kind, uses);
    if (own.length > 0) problems.push(...(kind.volumesRules?.(own) ?? []));
  }
  return problems;
}

/**
 * A machine-local output (hostPath) keeps its checkpoints on one machine: on a pool of several, a
 * restarted pod can land on another and resume from nothing. So it is pinned to one machine (its
 * `node`), which a multi-node run cannot be.
 */
function machineLocalOutputRules(use: SourceUse<VolumeSource>, where: { readonly poolMachines?: number; readonly runNodes?: number }): Problem[] {
  const kind = sourceKind(use.source.type);
  if (use.role !== "output" || !kind.machineLocal) return [];
  const pinned = kind.pinnedNode?.(use);
  const type = show(use.source.type);
  if ((where.runNodes ?? 1) > 1) {
    return [{ path: `${use.path}.source.type`, message: `${type} keeps checkpoints on one machine, and a run of ${where.runNodes} nodes restarts on several: a restarted rank 0 can land on another machine and resume from nothing (use s3, fsx or pvc)` }];
  }
  if ((where.poolMachines ?? 1) > 1 && pinned === undefined) {
    return [{ path: `${use.path}.source.node`, message: `is required: ${type} keeps checkpoints on one machine and the pool has ${where.poolMachines}, so a restarted pod could land on another and resume from nothing (set the machine's kubernetes.io/hostname to pin the run there, or use s3, fsx or pvc)` }];
  }
  return [];
}

/** The node the experiment's volumes pin its pods to (kubernetes.io/hostname), if any. */
export function pinnedNode(uses: readonly SourceUse<VolumeSource>[]): string | undefined {
  return uses.map((u) => sourceKind(u.source.type).pinnedNode?.(u)).find((n) => n !== undefined);
}

/** The plan's warnings about the experiment's volume sources. */
export function volumeSourceWarnings(uses: readonly SourceUse<VolumeSource>[], run: { readonly nodes: number }): string[] {
  return (VOLUME_SOURCES as readonly VolumeSourceKind[]).flatMap((kind) => {
    const own = usesOf(kind, uses);
    return own.length > 0 ? (kind.planWarnings?.(own, run) ?? []) : [];
  });
}

/** Why the stack grants AWS access for its volumes (and so must name its region), if it does. */
export function awsAccessReason(uses: readonly SourceUse<VolumeSource>[]): string | undefined {
  return uses.map((u) => sourceKind(u.source.type).grantsAwsAccess).find((why) => why !== undefined);
}

/** The kinds whose EKS add-on a created cluster installs. */
export function addonKinds(): VolumeSourceKind[] {
  return (VOLUME_SOURCES as readonly VolumeSourceKind[]).filter((k) => k.addon);
}

/** What the account said of each kind's sources (source type → the facts its `account.read` gave). */
export type SourceFacts = Readonly<Record<string, readonly unknown[]>>;

/** The account rules of every kind the experiment uses: problems, warnings, and the ingress its nodes need. */
export function sourceAccountRules(uses: readonly SourceUse<VolumeSource>[], facts: SourceFacts, network: SourceNetwork): SourceAccountDecision {
  const decisions = (VOLUME_SOURCES as readonly VolumeSourceKind[]).flatMap((kind) => {
    const own = usesOf(kind, uses);
    return kind.account && own.length > 0 ? [kind.account.rules(own, facts[typeOf(kind)] ?? [], network)] : [];
  });
  return { problems: decisions.flatMap((d) => d.problems), warnings: decisions.flatMap((d) => d.warnings), ingress: decisions.flatMap((d) => d.ingress) };
}
