/**
 * "Nothing lost": before the reaper destroys a stack it reads the stack's state and refuses if
 * `pulumi destroy` would delete stored data. The program keeps data out of reach of destroy with
 * resource options (`retainOnDelete`) and PersistentVolumes with reclaim policy `Retain`; this
 * check is the reaper's own guard should a change ever drop one of them. Pure.
 */
import type { StackResource } from "./types";

const PV = "kubernetes:core/v1:PersistentVolume";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

/** Resource types that hold data: deleting one of these loses it. */
export const DATA_RESOURCE_TYPES: readonly string[] = [
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:fsx/lustreFileSystem:LustreFileSystem",
  "aws:fsx/openZfsFileSystem:OpenZfsFileSystem",
  "aws:fsx/ontapFileSystem:OntapFileSystem",
  "aws:efs/fileSystem:FileSystem",
  "aws:ebs/volume:Volume",
];

export interface StorageProblem {
  readonly urn: string;
  readonly message: string;
}

/** What in this state `pulumi destroy` would delete or trip over; empty when destroying is safe. */
export function destroyHazards(resources: readonly StackResource[]): StorageProblem[] {
  const problems: StorageProblem[] = [];
  const retainedPvNames = new Set(resources.filter((r) => r.type === PV && pvKeepsData(r)).map((r) => str(field(r, "metadata", "name"))).filter(Boolean));
  for (const r of resources) {
    if (r.protect) {
      problems.push({ urn: r.urn, message: "is protected (protect: true); destroy would stop there half done" });
      continue;
    }
    // Read resources (`external` in the state) are never deleted by destroy, only dropped from state.
    if (r.retainOnDelete || r.external) continue;
    if (DATA_RESOURCE_TYPES.includes(r.type)) {
      problems.push({ urn: r.urn, message: "holds data and has no retainOnDelete: destroy would delete it" });
    } else if (r.type === PV && !pvKeepsData(r)) {
      problems.push({ urn: r.urn, message: `has reclaim policy ${str(field(r, "spec", "persistentVolumeReclaimPolicy")) || "unset"} and no retainOnDelete: destroy could delete its volume` });
    } else if (r.type === PVC) {
      const volume = str(field(r, "spec", "volumeName"));
      if (!volume || !retainedPvNames.has(volume)) {
        problems.push({ urn: r.urn, message: "is not bound to a Retain PersistentVolume of this stack and has no retainOnDelete: destroy could delete its volume" });
      }
    }
  }
  return problems;
}

function pvKeepsData(r: StackResource): boolean {
  return r.retainOnDelete || str(field(r, "spec", "persistentVolumeReclaimPolicy")) === "Retain";
}

/** A nested field from the resource's outputs, else its inputs. */
function field(r: StackResource, ...path: string[]): unknown {
  for (const source of [r.outputs, r.inputs]) {
    let v: unknown = source;
    for (const key of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}
