/** The registry of volume source kinds (config/sources/): each kind complete, and iterated everywhere. */
import { KUBERNETES_VERSIONS } from "../catalog/kubernetes-versions";
import { SOURCE_TYPES, VOLUME_SOURCES, pinnedNode, sourceKind, sourceUses, typeOf, volumeSourceRules, volumeSourceSchema } from "../config/sources";
import type { VolumeSourceKind } from "../config/sources/kind";
import { stackSchema } from "../config/schema";

const kinds = VOLUME_SOURCES as readonly VolumeSourceKind[];

describe.each(kinds.map((k) => [typeOf(k), k] as const))("volume source %s", (type, kind) => {
  it("mounts one way: through a PersistentVolume of ours, or as a pod volume", () => {
    expect([kind.persistentVolume !== undefined, kind.podVolume !== undefined].filter(Boolean)).toHaveLength(1);
  });

  it("pins its add-on for every Kubernetes version the program creates", () => {
    for (const v of KUBERNETES_VERSIONS) if (kind.addon) expect(kind.addon.versions[v]).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
  });

  it("needs EKS for its grants, which go to the experiment stack's own Pod Identity role", () => {
    if (kind.iam) expect(kind.needsEks).toBe(true);
    if (kind.addon) expect(kind.needsEks).toBe(true);
  });

  it("is a member of the schema's union, by its type", () => {
    expect(volumeSourceSchema.safeParse({ type }).error?.issues.every((i) => i.path[0] !== "type")).toBe(true);
    expect(sourceKind(type)).toBe(kind);
  });
});

it("lists each type once, and the union refuses any other", () => {
  expect(new Set(SOURCE_TYPES).size).toBe(SOURCE_TYPES.length);
  const issue = volumeSourceSchema.safeParse({ type: "nfs" }).error!.issues[0];
  expect(issue.path).toEqual(["type"]);
});

it("the stack schema's volumes take exactly the registry's kinds", () => {
  const source = stackSchema.shape.experiment.unwrap().shape.datasets.unwrap().element.shape.source;
  expect(source.options.map((o) => o.shape.type.value)).toEqual(SOURCE_TYPES);
});

describe("the rules of where a kind may be used", () => {
  const uses = sourceUses({
    datasets: [
      { name: "a", mountPath: "/a", source: { type: "s3", bucket: "Bad_Bucket" } },
      { name: "b", mountPath: "/b", source: { type: "hostPath", path: "/srv/b" } },
    ],
  });

  it("refuses a kind that needs EKS on an existing cluster, and one the pool's nodes cannot keep", () => {
    const lines = volumeSourceRules(uses, { clusterMode: "existing", poolKind: "managed" }).map((p) => `${p.path}: ${p.message}`);
    expect(lines).toContain('experiment.datasets[0].source.type: "s3" needs an EKS cluster (got it with cluster.mode "existing"; allowed there: pvc, hostPath)');
    expect(lines).toContain('experiment.datasets[1].source.type: "hostPath" only applies to hybrid and existing pools (managed nodes are replaced and their disks with them; use s3, fsx or pvc)');
    expect(lines.some((l) => l.startsWith("experiment.datasets[0].source.bucket: "))).toBe(true);
  });

  it("refuses a pvc on a cluster the stack creates, where nothing can create or back the claim, and takes it elsewhere", () => {
    const pvc = sourceUses({ datasets: [], output: { name: "o", mountPath: "/o", source: { type: "pvc", claimName: "ckpt" } } });
    const lines = volumeSourceRules(pvc, { clusterMode: "create", poolKind: "managed" }).map((p) => `${p.path}: ${p.message}`);
    expect(lines).toEqual([expect.stringMatching(/^experiment\.output\.source\.type: "pvc" names an existing PersistentVolumeClaim, but this stack creates its cluster and nothing in it creates or backs the claim .* use fsx .* or s3 .*aws-ebs-csi-driver add-on and a gp3 StorageClass .*mode: reuse/)]);
    expect(volumeSourceRules(pvc, { clusterMode: "reuse", poolKind: "managed" })).toEqual([]);
    expect(volumeSourceRules(pvc, { clusterMode: "existing", poolKind: "existing" })).toEqual([]);
  });

  it("pins a hostPath output on a pool of several machines, and refuses it for a multi-node run", () => {
    const output = (source: Record<string, string>) => sourceUses({ datasets: [], output: { name: "o", mountPath: "/o", source: source as never } });
    const where = { clusterMode: "create" as const, poolKind: "hybrid" as const, poolMachines: 2, runNodes: 1 };
    const lines = (uses: ReturnType<typeof output>, w = where) => volumeSourceRules(uses, w).map((p) => `${p.path}: ${p.message}`);
    expect(lines(output({ type: "hostPath", path: "/srv/o" }))).toEqual([
      'experiment.output.source.node: is required: "hostPath" keeps checkpoints on one machine and the pool has 2, so a restarted pod could land on another and resume from nothing (set the machine\'s kubernetes.io/hostname to pin the run there, or use s3, fsx or pvc)',
    ]);
    expect(lines(output({ type: "hostPath", path: "/srv/o", node: "ws1" }))).toEqual([]);
    expect(lines(output({ type: "hostPath", path: "/srv/o" }), { ...where, poolMachines: 1 })).toEqual([]);
    expect(lines(output({ type: "hostPath", path: "/srv/o", node: "ws1" }), { ...where, runNodes: 2 })).toEqual([
      'experiment.output.source.type: "hostPath" keeps checkpoints on one machine, and a run of 2 nodes restarts on several: a restarted rank 0 can land on another machine and resume from nothing (use s3, fsx or pvc)',
    ]);
    const dataset = sourceUses({ datasets: [{ name: "d", mountPath: "/d", source: { type: "hostPath", path: "/srv/d", node: "ws1" } }] });
    expect(lines(dataset)).toEqual(['experiment.datasets[0].source.node: pins an output only (got "ws1" on a dataset; datasets are read where the pod runs)']);
    expect(pinnedNode(output({ type: "hostPath", path: "/srv/o", node: "ws1" }))).toBe("ws1");
  });

  it("lets a hostPath point only under the pool's hostPathPrefixes, /srv unless the pool says otherwise", () => {
    const at = (path: string) => sourceUses({ datasets: [{ name: "d", mountPath: "/d", source: { type: "hostPath", path } }] });
    const where = (hostPathPrefixes?: string[]) => ({ clusterMode: "create" as const, poolKind: "hybrid" as const, pool: { hostPathPrefixes, path: "nodePools[0]" } });
    const lines = (path: string, prefixes?: string[]) => volumeSourceRules(at(path), where(prefixes)).map((p) => `${p.path}: ${p.message}`);
    expect(stackSchema.shape.nodePools.unwrap().element.parse({ name: "p", gpu: "rtx4090", kind: "hybrid" }).hostPathPrefixes).toEqual(["/srv"]);
    expect(lines("/srv")).toEqual([]);
    expect(lines("/srv/datasets/cifar/")).toEqual([]);
    expect(lines("/var/lib/kubelet")).toEqual([
      'experiment.datasets[0].source.path: is outside the directories the pool lets pods mount (got "/var/lib/kubelet"; allowed: under "/srv"; move the data there, or add its directory to nodePools[0].hostPathPrefixes)',
    ]);
    // Normalized first: a climb out of the prefix, and a sibling that shares its first letters, are outside.
    expect(lines("/srv/../etc")).toHaveLength(1);
    expect(lines("/srvx/data")).toHaveLength(1);
    expect(lines("/data/x", ["/data/", "/mnt/nvme"])).toEqual([]);
    expect(lines("/srv/x", ["/data", "/mnt/nvme"])).toEqual([
      'experiment.datasets[0].source.path: is outside the directories the pool lets pods mount (got "/srv/x"; allowed: under "/data", "/mnt/nvme"; move the data there, or add its directory to nodePools[0].hostPathPrefixes)',
    ]);
    expect(lines("/etc", ["/"])).toEqual([]);
  });

  it("has nothing to say where each kind belongs", () => {
    const fine = sourceUses({ datasets: [{ name: "b", mountPath: "/b", source: { type: "hostPath", path: "/srv/b" } }] });
    expect(volumeSourceRules(fine, { clusterMode: "existing", poolKind: "existing" })).toEqual([]);
  });
});
