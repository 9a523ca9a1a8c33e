/**
 * Rules that span fields of a schema-valid stack description. Each returns every problem it
 * finds; load.ts throws them all at once.
 */
import { gpuSpec } from "../catalog/gpus";
import { awsGpuTypes, findInstance, instancesFor, maxGpusPerInstance } from "../catalog/instances";
import { aliasKeys, catalogReferences, imageKeys, lookupImage } from "../catalog/images";
import { didYouMean } from "./suggest";
import { dnsLabelProblems, experimentNames } from "./names";
import { RESERVED_MOUNT_PATHS, SECRET_ENV_NAMES_ENV } from "./launcher-paths";
import { hasHostBits, isRfc1918, overlaps, parseCidr } from "./cidr";
import { Problem, show } from "./errors";
import type { CreateClusterInput, ExperimentInput, NodePoolInput, StackInput } from "./schema";
import type { PoolKind } from "./spec";
import { sourceUses, volumeSourceRules } from "./sources";
import type { ClusterMode } from "./sources/kind";

/** Variables torchrun sets for every worker; a user value would silently break rendezvous. */
export const RESERVED_ENV = [
  "MASTER_ADDR",
  "MASTER_PORT",
  "RANK",
  "LOCAL_RANK",
  "WORLD_SIZE",
  "LOCAL_WORLD_SIZE",
  "GROUP_RANK",
  "GROUP_WORLD_SIZE",
  "ROLE_RANK",
  "ROLE_WORLD_SIZE",
  "NODE_RANK",
  "JOB_COMPLETION_INDEX",
];
export const RESERVED_ENV_PREFIXES = ["TORCHELASTIC_", "PET_"];


export function defaultPoolKind(input: StackInput): PoolKind {
  return input.cluster.mode === "existing" ? "existing" : "managed";
}

export function poolRules(input: StackInput): Problem[] {
  const problems: Problem[] = [];
  const mode = input.cluster.mode;
  if (mode === "reuse" && input.nodePools.length > 0) {
    problems.push({
      path: "nodePools",
      message: `must be empty with cluster.mode "reuse" (got ${input.nodePools.length} pools; the pools belong to stack "${input.cluster.stack}")`,
    });
  }
  const seen = new Set<string>();
  input.nodePools.forEach((pool, i) => {
    const at = `nodePools[${i}]`;
    if (seen.has(pool.name)) problems.push({ path: `${at}.name`, message: `duplicates another pool (got ${show(pool.name)}; pool names must be unique)` });
    seen.add(pool.name);
    const kind = pool.kind ?? defaultPoolKind(input);
    const allowedKinds: PoolKind[] = mode === "existing" ? ["existing"] : ["managed", "hybrid"];
    if (!allowedKinds.includes(kind)) {
      problems.push({ path: `${at}.kind`, message: `is not possible with cluster.mode "${mode}" (got ${show(kind)}; allowed: ${allowedKinds.join(", ")})` });
      return;
    }
    problems.push(...(kind === "managed" ? managedPoolRules(pool, at) : offAwsPoolRules(pool, at, kind)));
    if (kind === "hybrid" && input.cluster.mode === "create" && !input.cluster.hybrid) {
      problems.push({ path: `${at}.kind`, message: `"hybrid" needs cluster.hybrid.remoteNodeCidrs (the on-premises network the machines join from)` });
    }
  });
  return problems;
}

function managedPoolRules(pool: NodePoolInput, at: string): Problem[] {
  const problems: Problem[] = [];
  const gpu = gpuSpec(pool.gpu);
  if (gpu.source !== "aws") {
    problems.push({
      path: `${at}.gpu`,
      message: `${show(pool.gpu)} (${gpu.displayName}) has no EC2 instance type, so a managed pool cannot provide it (allowed: ${awsGpuTypes().join(", ")}; or kind: hybrid to join machines outside AWS, or an existing cluster)`,
    });
    return problems;
  }
  if (pool.instanceType) {
    const instance = findInstance(pool.instanceType);
    const options = instancesFor(pool.gpu).map((i) => i.type).join(", ");
    if (!instance || instance.gpu !== pool.gpu) {
      problems.push({ path: `${at}.instanceType`, message: `is not a ${gpu.displayName} instance type (got ${show(pool.instanceType)}; allowed: ${options})` });
    } else if (instance.gpus < pool.gpusPerNode) {
      problems.push({
        path: `${at}.gpusPerNode`,
        message: `${pool.gpusPerNode} exceeds the ${instance.gpus} GPUs of ${instance.type} (allowed 1-${instance.gpus}; or drop instanceType to get the cheapest type that fits)`,
      });
    }
  } else {
    const most = maxGpusPerInstance(pool.gpu);
    if (pool.gpusPerNode > most) {
      const largest = instancesFor(pool.gpu).find((i) => i.gpus === most)!;
      problems.push({
        path: `${at}.gpusPerNode`,
        message: `${pool.gpusPerNode} exceeds the ${most} GPUs of ${largest.type} (allowed 1-${most}; use nodes: ${Math.ceil(pool.gpusPerNode / most)} in the experiment for ${pool.gpusPerNode} GPUs)`,
      });
    }
  }
  if (pool.minNodes > pool.maxNodes) {
    problems.push({ path: `${at}.minNodes`, message: `must not exceed maxNodes (got ${pool.minNodes} > ${pool.maxNodes})` });
  }
  if (pool.driverVersion) {
    problems.push({ path: `${at}.driverVersion`, message: `only applies to hybrid and existing pools (managed nodes run the EKS NVIDIA AMI's driver)` });
  }
  if (pool.nodeSelector) {
    problems.push({ path: `${at}.nodeSelector`, message: `only applies to existing pools (managed nodes are labelled by the program)` });
  }
  return problems;
}

function offAwsPoolRules(pool: NodePoolInput, at: string, kind: PoolKind): Problem[] {
  const problems: Problem[] = [];
  if (pool.instanceType) problems.push({ path: `${at}.instanceType`, message: `only applies to managed pools (got ${show(pool.instanceType)} on a ${kind} pool)` });
  if (pool.capacity === "spot") problems.push({ path: `${at}.capacity`, message: `"spot" only applies to managed pools (got "spot" on a ${kind} pool)` });
  if (pool.nodeSelector && kind === "hybrid") problems.push({ path: `${at}.nodeSelector`, message: `only applies to existing pools (hybrid nodes are labelled by their nodeadm config)` });
  if (pool.minNodes > pool.maxNodes) problems.push({ path: `${at}.minNodes`, message: `must not exceed maxNodes (got ${pool.minNodes} > ${pool.maxNodes})` });
  return problems;
}

export function networkRules(cluster: CreateClusterInput): Problem[] {
  const problems: Problem[] = [];
  const named: { path: string; text: string }[] = [
    { path: "cluster.vpcCidr", text: cluster.vpcCidr },
    { path: "cluster.serviceCidr", text: cluster.serviceCidr },
    ...(cluster.hybrid?.remoteNodeCidrs ?? []).map((text, i) => ({ path: `cluster.hybrid.remoteNodeCidrs[${i}]`, text })),
    ...(cluster.hybrid?.remotePodCidrs ?? []).map((text, i) => ({ path: `cluster.hybrid.remotePodCidrs[${i}]`, text })),
  ];
  const parsed = named.flatMap((n) => {
    const c = parseCidr(n.text);
    if (!c) {
      problems.push({ path: n.path, message: `is not a valid IPv4 CIDR (got ${show(n.text)})` });
      return [];
    }
    if (hasHostBits(n.text)) problems.push({ path: n.path, message: `has host bits set (got ${show(n.text)}; write the network address)` });
    if (!isRfc1918(c)) problems.push({ path: n.path, message: `must be a private RFC 1918 range (got ${show(n.text)}; allowed within 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)` });
    return [{ ...n, cidr: c }];
  });
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      if (overlaps(parsed[i].cidr, parsed[j].cidr)) {
        problems.push({ path: parsed[j].path, message: `overlaps ${parsed[i].path} (got ${show(parsed[j].text)} and ${show(parsed[i].text)}; the networks must be disjoint)` });
      }
    }
  }
  problems.push(...prefixRules(cluster));
  if (!cluster.endpoint.publicAccess && !cluster.endpoint.privateAccess) {
    problems.push({ path: "cluster.endpoint", message: "must allow public or private access (got both false: the API server would be unreachable)" });
  }
  return problems;
}

/** Every variable the experiment sets, fixed or swept, with its path. */
export function envNames(experiment: Pick<ExperimentInput, "env" | "sweep">): [string, string][] {
  return [
    ...Object.keys(experiment.env).map((k): [string, string] => [k, `experiment.env.${k}`]),
    ...Object.keys(experiment.sweep?.env ?? {}).map((k): [string, string] => [k, `experiment.sweep.env.${k}`]),
  ];
}

/** `clusterMode`: undefined when the cluster itself did not parse (no rule then depends on it). */
export function experimentRules(experiment: ExperimentInput, pools: readonly { name: string; kind: PoolKind; maxNodes?: number; hostPathPrefixes?: readonly string[] }[], clusterMode: ClusterMode | undefined, failed: ReadonlySet<string> = new Set(), poolPaths: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  const pool = pools.find((p) => p.name === experiment.pool);
  if (!pool) {
    problems.push({
      path: "experiment.pool",
      message: `names no pool (got ${show(experiment.pool)}; allowed: ${pools.map((p) => p.name).join(", ") || "none — define nodePools"})${didYouMean(experiment.pool, pools.map((p) => p.name))}`,
    });
  }
  if (typeof experiment.image === "string" && !lookupImage(experiment.image).ok) {
    const reference = /[/:@]/.test(experiment.image) ? `; an image outside the catalog is a custom image: {repository, digest, cudaRuntime, archs}, since the gate must know its CUDA runtime and archs` : "";
    problems.push({ path: "experiment.image", message: `is not in the image catalog (got ${show(experiment.image)}; allowed: ${[...imageKeys(), ...aliasKeys(), ...catalogReferences()].join(", ")}, or a custom image with repository, digest, cudaRuntime and archs)${reference}${didYouMean(experiment.image, [...imageKeys(), ...aliasKeys()])}` });
  }
  if (SECRET_ENV_NAMES_ENV in experiment.env) {
    problems.push({ path: `experiment.env.${SECRET_ENV_NAMES_ENV}`, message: "is set by the Job: the names of the secretEnv variables, which the launcher keeps from the setup commands (remove it)" });
  }
  for (const [key, path] of envNames(experiment)) {
    if (RESERVED_ENV.includes(key) || RESERVED_ENV_PREFIXES.some((p) => key.startsWith(p))) {
      problems.push({ path, message: `is set by torch.distributed.run for every worker and cannot be overridden (reserved: ${RESERVED_ENV.join(", ")}, ${RESERVED_ENV_PREFIXES.map((p) => `${p}*`).join(", ")})` });
    }
  }
  const names = experimentNames(experiment);
  // A name that failed its schema is a placeholder here: the names derived from it mean nothing.
  for (const [what, name] of failed.has("name") ? [] : ([["Job and Service", names.job], ["launcher ConfigMap", names.launcherConfigMap], ["last pod hostname", names.lastPodHostname]] as const)) {
    for (const p of dnsLabelProblems(name)) problems.push({ path: "experiment.name", message: `gives the ${what} name ${show(name)}, which ${p}` });
  }
  for (const [i, cidr] of (experiment.egress?.allow ?? []).entries()) {
    if (!parseCidr(cidr)) problems.push({ path: `experiment.egress.allow[${i}]`, message: `is not an IPv4 CIDR (got ${show(cidr)}; e.g. 10.20.0.0/16, or 0.0.0.0/0 for anywhere)` });
  }
  const uses = sourceUses(experiment);
  const volumeNames = new Set<string>();
  const mountPaths = new Set<string>();
  for (const { path, ...volume } of uses) {
    if (volumeNames.has(volume.name)) problems.push({ path: `${path}.name`, message: `duplicates another volume (got ${show(volume.name)})` });
    volumeNames.add(volume.name);
    const mount = volume.mountPath.replace(/\/+$/, "");
    if (mountPaths.has(mount)) problems.push({ path: `${path}.mountPath`, message: `duplicates another volume's mount path (got ${show(volume.mountPath)})` });
    mountPaths.add(mount);
    if (RESERVED_MOUNT_PATHS.some((r) => mount === r || mount.startsWith(`${r}/`))) {
      problems.push({ path: `${path}.mountPath`, message: `is reserved for the launcher (got ${show(volume.mountPath)}; reserved: ${RESERVED_MOUNT_PATHS.join(", ")})` });
    }
    for (const p of failed.has("name") ? [] : dnsLabelProblems(names.volume(volume.name))) problems.push({ path: `${path}.name`, message: `gives the volume name ${show(names.volume(volume.name))}, which ${p}` });
  }
  const sourcePool = pool ? { hostPathPrefixes: pool.hostPathPrefixes, path: poolPaths[pools.indexOf(pool)] } : undefined;
  problems.push(...volumeSourceRules(uses, { clusterMode, poolKind: pool?.kind, poolMachines: pool?.maxNodes, runNodes: experiment.nodes, pool: sourcePool }));
  return problems;
}

/**
 * Sizes AWS imposes: the service CIDR must be /12 to /24 (EKS KubernetesNetworkConfig), a VPC at
 * most /16, and the subnet layout (components/aws/builders/subnets.ts) needs a /22 or larger VPC
 * so that its public subnets stay within AWS's /28 minimum.
 */
export const SERVICE_CIDR_PREFIX = { min: 12, max: 24 } as const;
export const VPC_CIDR_PREFIX = { min: 16, max: 22 } as const;

function prefixRules(cluster: CreateClusterInput): Problem[] {
  const problems: Problem[] = [];
  const check = (path: string, text: string, range: { min: number; max: number }, why: string) => {
    const bits = Number(text.split("/")[1]);
    if (parseCidr(text) && (bits < range.min || bits > range.max)) {
      problems.push({ path, message: `must be a /${range.min} to /${range.max} network (got ${show(text)}; ${why})` });
    }
  };
  check("cluster.vpcCidr", cluster.vpcCidr, VPC_CIDR_PREFIX, "AWS VPCs are at most /16, and the zones' subnets need at least a /22");
  check("cluster.serviceCidr", cluster.serviceCidr, SERVICE_CIDR_PREFIX, "EKS accepts service CIDRs from /12 to /24");
  return problems;
}
