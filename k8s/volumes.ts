/**
 * The experiment's datasets (read-only) and output (writable) as Kubernetes volumes.
 *
 * - s3: a statically provisioned PersistentVolume of the Mountpoint for Amazon S3 CSI driver
 *   (https://github.com/awslabs/mountpoint-s3-csi-driver/blob/main/docs/CONFIGURATION.md) and a
 *   claim bound to it by name.
 * - fsx: the same for an existing FSx for Lustre file system
 *   (https://github.com/kubernetes-sigs/aws-fsx-csi-driver/tree/master/examples/kubernetes/static_provisioning).
 * - pvc: a claim that already exists, referenced and never created.
 * - hostPath: a directory of the node (hybrid and existing pools only; the rules enforce it).
 *
 * Nothing here can delete data: PVs are `Retain`, carry no provisioner that could delete a bucket
 * or file system, and the component creates them with Pulumi's retainOnDelete.
 */
import type { IPersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { VolumeInput } from "../config/schema";
import { experimentLabels } from "./labels";

export const S3_CSI_DRIVER = "s3.csi.aws.com";
export const FSX_CSI_DRIVER = "fsx.csi.aws.com";
/** Mountpoint ignores a PV's capacity, but Kubernetes requires one. */
export const S3_NOMINAL_CAPACITY = "1200Gi";

export type VolumeRole = "dataset" | "output";

export interface ExperimentVolume {
  readonly role: VolumeRole;
  readonly volume: VolumeInput;
}

export interface VolumeContext {
  readonly experiment: string;
  readonly stack: string;
  readonly namespace: string;
  /** PV/PVC name of a volume the experiment owns (experimentNames().volume). */
  readonly objectName: (volumeName: string) => string;
  /** AWS region of the buckets' cluster, for Mountpoint's `region` option (s3MountOptions). */
  readonly region?: string;
}

export interface BuiltVolumes {
  readonly persistentVolumes: readonly IPersistentVolume[];
  readonly persistentVolumeClaims: readonly IPersistentVolumeClaim[];
  readonly podVolumes: readonly IVolume[];
  readonly mounts: readonly IVolumeMount[];
}

/** The volumes of an experiment in mount order: datasets, then the output. */
export function experimentVolumes(experiment: { readonly datasets: readonly VolumeInput[]; readonly output?: VolumeInput }): ExperimentVolume[] {
  return [
    ...experiment.datasets.map((volume) => ({ role: "dataset" as const, volume })),
    ...(experiment.output ? [{ role: "output" as const, volume: experiment.output }] : []),
  ];
}

/** Pod volume name: prefixed by role, so no user name can collide with `dshm` or `launcher`. */
export function podVolumeName(v: ExperimentVolume): string {
  return `${v.role}-${v.volume.name}`;
}

/**
 * Mountpoint flags (as PV mountOptions, without the leading `--`).
 *
 * `region`: Mountpoint finds the bucket's region through the instance metadata service, which
 * our nodes keep from pods with an IMDS hop limit of 1 (components/aws/builders/launch-template.ts);
 * the Mountpoint CSI driver v2 runs Mountpoint in a pod, so without the option it cannot find the
 * region. The driver's docs give `region <region>` as a mount option, and note that IMDS region
 * detection needs a hop limit of 2 or more
 * (https://github.com/awslabs/mountpoint-s3-csi-driver/blob/main/docs/CONFIGURATION.md, "Configuring
 * the STS region"). The option is the bucket's region (Mountpoint's `--region`): the stack's region,
 * so a bucket must live in the stack's region (docs/configuration.md says so); a bucket elsewhere
 * fails to mount with a wrong-region error (mountpoint-s3-csi-driver issue #375).
 */
export function s3MountOptions(role: VolumeRole, prefix: string | undefined, region?: string): string[] {
  return [
    // The training container may run as any user; Mountpoint runs in its own pod.
    "allow-other",
    ...(region ? [`region ${region}`] : []),
    ...(prefix ? [`prefix ${prefix}`] : []),
    // Datasets: no writes at all. Output: checkpoints are rewritten and pruned.
    ...(role === "dataset" ? ["read-only"] : ["allow-delete", "allow-overwrite"]),
  ];
}

function persistentVolume(v: ExperimentVolume, ctx: VolumeContext): IPersistentVolume | undefined {
  const source = v.volume.source;
  const name = ctx.objectName(v.volume.name);
  const common = {
    persistentVolumeReclaimPolicy: "Retain" as const,
    // Empty: static provisioning, no StorageClass may provision or bind it.
    storageClassName: "",
    // Only our claim may bind this PV.
    claimRef: { namespace: ctx.namespace, name },
  };
  const metadata = { name, labels: experimentLabels(ctx.experiment, ctx.stack, v.role) };
  if (source.type === "s3") {
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata,
      spec: {
        capacity: { storage: S3_NOMINAL_CAPACITY },
        // ReadOnlyMany makes the driver add --read-only on its own as well.
        accessModes: [v.role === "dataset" ? "ReadOnlyMany" : "ReadWriteMany"],
        ...common,
        mountOptions: s3MountOptions(v.role, source.prefix, ctx.region),
        csi: {
          driver: S3_CSI_DRIVER,
          // Must be unique in the cluster: the kubelet mounts one volume per handle.
          volumeHandle: name,
          volumeAttributes: { bucketName: source.bucket },
        },
      },
    };
  }
  if (source.type === "fsx") {
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata,
      spec: {
        capacity: { storage: `${source.sizeGiB}Gi` },
        volumeMode: "Filesystem",
        // The FSx driver accepts only single-node and multi-writer modes; read-only comes from
        // csi.readOnly and the pod's claim (mounted `ro`).
        accessModes: ["ReadWriteMany"],
        ...common,
        mountOptions: ["flock"],
        csi: {
          driver: FSX_CSI_DRIVER,
          volumeHandle: source.fileSystemId,
          volumeAttributes: { dnsname: source.dnsName, mountname: source.mountName },
          ...(v.role === "dataset" ? { readOnly: true } : {}),
        },
      },
    };
  }
  return undefined;
}

function claimFor(pv: IPersistentVolume, v: ExperimentVolume, ctx: VolumeContext): IPersistentVolumeClaim {
  const name = pv.metadata!.name!;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: ctx.namespace, labels: experimentLabels(ctx.experiment, ctx.stack, v.role) },
    spec: {
      accessModes: pv.spec!.accessModes,
      storageClassName: "",
      resources: { requests: { storage: pv.spec!.capacity!.storage } },
      volumeName: name,
    },
  };
}

function podVolume(v: ExperimentVolume, ctx: VolumeContext): IVolume {
  const name = podVolumeName(v);
  const readOnly = v.role === "dataset";
  const source = v.volume.source;
  switch (source.type) {
    case "s3":
    case "fsx":
      return { name, persistentVolumeClaim: { claimName: ctx.objectName(v.volume.name), readOnly } };
    case "pvc":
      return { name, persistentVolumeClaim: { claimName: source.claimName, readOnly } };
    case "hostPath":
      // A dataset directory must already be there (the pod fails to start otherwise, before any
      // GPU time is spent); an output directory is created on first use.
      return { name, hostPath: { path: source.path, type: readOnly ? "Directory" : "DirectoryOrCreate" } };
  }
}

export function buildVolumes(volumes: readonly ExperimentVolume[], ctx: VolumeContext): BuiltVolumes {
  const persistentVolumes: IPersistentVolume[] = [];
  const persistentVolumeClaims: IPersistentVolumeClaim[] = [];
  for (const v of volumes) {
    const pv = persistentVolume(v, ctx);
    if (!pv) continue;
    persistentVolumes.push(pv);
    persistentVolumeClaims.push(claimFor(pv, v, ctx));
  }
  return {
    persistentVolumes,
    persistentVolumeClaims,
    podVolumes: volumes.map((v) => podVolume(v, ctx)),
    mounts: volumes.map((v) => ({ name: podVolumeName(v), mountPath: v.volume.mountPath, readOnly: v.role === "dataset" })),
  };
}
