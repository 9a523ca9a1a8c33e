/**
 * `type: hostPath`: a directory of the node, for machines that keep their disks: hybrid and
 * existing pools (a managed node is replaced, and its disk with it).
 */
import { posix } from "path";
import { z } from "zod";
import { absolutePath } from "../fields";
import { volumeSourceKind } from "./kind";

/**
 * Where on a machine a hostPath may point unless the pool says otherwise (`nodePools[].hostPathPrefixes`):
 * a pod that mounts `/`, `/etc` or `/var/lib/kubelet` owns the node, so the pool names the
 * directories that hold data. `/srv` is the FHS's "data for services provided by this system"
 * (https://refspecs.linuxfoundation.org/FHS_3.0/fhs/ch03s17.html).
 */
export const DEFAULT_HOST_PATH_PREFIXES: readonly string[] = ["/srv"];

/** Whether a normalized absolute path is `prefix` or below it. */
export function underPrefix(path: string, prefix: string): boolean {
  const base = posix.normalize(prefix).replace(/\/+$/, "");
  return base === "" || path === base || path.startsWith(`${base}/`);
}

const schema = z.strictObject({
  type: z.literal("hostPath").meta({ description: "a directory on the node; hybrid and existing pools only" }),
  path: absolutePath.meta({ description: "absolute path on the node" }),
  node: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a node name: lowercase letters, digits, '-' and '.'" })
    .max(253)
    .optional()
    .meta({ description: "output only: the machine (its `kubernetes.io/hostname`) the run is pinned to, so a restarted pod finds its checkpoints; needed on a pool of more than one machine" }),
});

export const hostPathSource = volumeSourceKind({
  schema,
  needsEks: false,
  pools: { kinds: ["hybrid", "existing"], why: "managed nodes are replaced and their disks with them" },
  renames: true,
  machineLocal: true,
  // A dataset directory must already be there (the pod fails to start otherwise, before any GPU
  // time is spent); an output directory is created on first use.
  apiRules: (use) =>
    use.role === "dataset" && use.source.node !== undefined
      ? [{ path: `${use.path}.source.node`, message: `pins an output only (got ${JSON.stringify(use.source.node)} on a dataset; datasets are read where the pod runs)` }]
      : [],
  poolRules: (use, pool) => {
    const prefixes = pool.hostPathPrefixes ?? DEFAULT_HOST_PATH_PREFIXES;
    const normalized = posix.normalize(use.source.path);
    if (prefixes.some((p) => underPrefix(normalized, p))) return [];
    const at = pool.path ? `${pool.path}.hostPathPrefixes` : "the pool's hostPathPrefixes";
    return [
      {
        path: `${use.path}.source.path`,
        message: `is outside the directories the pool lets pods mount (got ${JSON.stringify(use.source.path)}; allowed: under ${prefixes.map((p) => JSON.stringify(p)).join(", ")}; move the data there, or add its directory to ${at})`,
      },
    ];
  },
  pinnedNode: (use) => (use.role === "output" ? use.source.node : undefined),
  podVolume: (use) => ({ hostPath: { path: use.source.path, type: use.role === "dataset" ? "Directory" : "DirectoryOrCreate" } }),
  // Pod Security's baseline level refuses every hostPath volume
  // (https://kubernetes.io/docs/concepts/security/pod-security-standards/, "HostPath Volumes"), so
  // the stack's namespace enforces `privileged` instead (k8s/namespace.ts podSecurityLevel).
  planWarnings: (uses) =>
    uses.slice(0, 1).map(
      (use) =>
        `${use.path}.source: a hostPath volume makes the stack's namespace enforce Pod Security "privileged" rather than "baseline" (baseline refuses hostPath volumes); use a pvc source to keep baseline`,
    ),
});
