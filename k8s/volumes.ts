/**
 * The experiment's datasets (read-only) and output (writable) as Kubernetes volumes. Each source
 * kind (config/sources/) says how it mounts: through a PersistentVolume the experiment binds with
 * a claim of its own (static provisioning: s3, fsx), or as a pod volume directly (an existing
 * claim, a host path).
 *
 * Nothing here can delete data: PVs are `Retain`, carry no provisioner that could delete a bucket
 * or file system, and the component creates them with Pulumi's retainOnDelete.
 */
import type { IPersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import { VolumeSource, sourceKind } from "../config/sources";
import type { SourceUse } from "../config/sources/kind";
import { experimentLabels } from "./labels";

export interface VolumeContext {
  readonly experiment: string;
  readonly stack: string;
  readonly namespace: string;
  /** PV/PVC name of a volume the experiment owns (experimentNames().volume). */
  readonly objectName: (volumeName: string) => string;
  /** AWS region of the stack, for sources that need it (Mountpoint's `region`). */
  readonly region?: string;
}

export interface BuiltVolumes {
  readonly persistentVolumes: readonly IPersistentVolume[];
  readonly persistentVolumeClaims: readonly IPersistentVolumeClaim[];
  readonly podVolumes: readonly IVolume[];
  readonly mounts: readonly IVolumeMount[];
}

/** Pod volume name: prefixed by role, so no user name can collide with `dshm` or `launcher`. */
export function podVolumeName(use: SourceUse<VolumeSource>): string {
  return `${use.role}-${use.name}`;
}

/**
 * A PersistentVolume is cluster-wide, so its name carries the namespace: two stacks on one cluster
 * may both run an experiment `train` with a volume `data`. It is also the volume handle, which
 * must be unique in the cluster.
 */
export function persistentVolumeName(namespace: string, claimName: string): string {
  return `${namespace}-${claimName}`;
}

function persistentVolume(use: SourceUse<VolumeSource>, ctx: VolumeContext): IPersistentVolume | undefined {
  const claim = ctx.objectName(use.name);
  const name = persistentVolumeName(ctx.namespace, claim);
  const pv = sourceKind(use.source.type).persistentVolume?.(use, { volumeHandle: name, region: ctx.region });
  if (!pv) return undefined;
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, labels: experimentLabels(ctx.experiment, ctx.stack, use.role) },
    spec: {
      capacity: { storage: pv.capacity },
      ...(pv.volumeMode ? { volumeMode: pv.volumeMode } : {}),
      accessModes: [...pv.accessModes],
      persistentVolumeReclaimPolicy: "Retain",
      // Empty: static provisioning, no StorageClass may provision or bind it.
      storageClassName: "",
      // Only our claim may bind this PV.
      claimRef: { namespace: ctx.namespace, name: claim },
      ...(pv.mountOptions ? { mountOptions: [...pv.mountOptions] } : {}),
      csi: { ...pv.csi, ...(pv.csi.volumeAttributes ? { volumeAttributes: { ...pv.csi.volumeAttributes } } : {}) },
    },
  };
}

function claimFor(pv: IPersistentVolume, use: SourceUse<VolumeSource>, ctx: VolumeContext): IPersistentVolumeClaim {
  const name = ctx.objectName(use.name);
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: ctx.namespace, labels: experimentLabels(ctx.experiment, ctx.stack, use.role) },
    spec: {
      accessModes: pv.spec!.accessModes,
      storageClassName: "",
      resources: { requests: { storage: pv.spec!.capacity!.storage } },
      volumeName: pv.metadata!.name!,
    },
  };
}

function podVolume(use: SourceUse<VolumeSource>, ownClaim: boolean, ctx: VolumeContext): IVolume {
  const name = podVolumeName(use);
  if (ownClaim) return { name, persistentVolumeClaim: { claimName: ctx.objectName(use.name), readOnly: use.role === "dataset" } };
  const direct = sourceKind(use.source.type).podVolume?.(use);
  if (!direct) throw new Error(`unreachable: volume source "${use.source.type}" has neither a PersistentVolume nor a pod volume`);
  return { name, ...direct };
}

export function buildVolumes(uses: readonly SourceUse<VolumeSource>[], ctx: VolumeContext): BuiltVolumes {
  const persistentVolumes: IPersistentVolume[] = [];
  const persistentVolumeClaims: IPersistentVolumeClaim[] = [];
  const podVolumes: IVolume[] = [];
  for (const use of uses) {
    const pv = persistentVolume(use, ctx);
    if (pv) {
      persistentVolumes.push(pv);
      persistentVolumeClaims.push(claimFor(pv, use, ctx));
    }
    podVolumes.push(podVolume(use, pv !== undefined, ctx));
  }
  return {
    persistentVolumes,
    persistentVolumeClaims,
    podVolumes,
    mounts: uses.map((use) => ({ name: podVolumeName(use), mountPath: use.mountPath, readOnly: use.role === "dataset" })),
  };
}
