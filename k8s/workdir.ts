/**
 * How a workdir, setup commands and secret variables reach the training pods, as plain objects:
 *
 * - the workdir archive rides in a ConfigMap's binaryData (any cluster kind has ConfigMaps, the
 *   pod needs no credentials and no extra image; limit in workdir/archive.ts) mounted read-only
 *   at WORKDIR_ARCHIVE_DIR; the launcher checks its sha256 and unpacks it into an emptyDir at
 *   WORKDIR_MOUNT, the working directory of torchrun;
 * - the archive's sha256 is an annotation of the pod template, so a changed file changes the
 *   Job's spec and replaces the Job (a new run), and an unchanged directory changes nothing;
 * - secretEnv becomes one Secret whose keys the trainer reads with secretKeyRef
 *   (https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables);
 *   the values are set by the component as Pulumi secrets and never pass through these builders;
 *   their names ride in GTC_SECRET_ENV, and the launcher leaves them out of the setup commands'
 *   environment (only torch.distributed.run's workers get them);
 * - setup commands install into the image; pip keeps its cache on the output volume where that
 *   volume can hold one, so a restarted pod does not download the same wheels again.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { ExperimentSpec } from "../config/spec";
import { WORKDIR_ARCHIVE_DIR, WORKDIR_ARCHIVE_FILE, WORKDIR_MOUNT } from "../config/launcher-paths";
import { SECRET_ENV_NAMES_ENV } from "../config/secret-env";
import { sourceKind } from "../config/sources";
import { experimentLabels } from "./labels";

export const WORKDIR_SHA256_ANNOTATION = "gpu-training-clusters.io/workdir-sha256";
/** pip's cache directory variable (https://pip.pypa.io/en/stable/topics/caching/#default-paths). */
export const PIP_CACHE_ENV = "PIP_CACHE_DIR";
const WORKDIR_VOLUME = "workdir";
const ARCHIVE_VOLUME = "workdir-archive";

/** Hex digits of the archive's sha256 in its ConfigMap's name. */
export const WORKDIR_NAME_HASH_LENGTH = 10;

/**
 * One ConfigMap per archive, `<experiment>-workdir-<10 hex of its sha256>` (at most 40 + 9 + 10 =
 * 59 characters with the schema's 40-character experiment name): runs are content-addressed
 * (config/run-name.ts), so each run's pods mount the archive they were planned with, and a pod of
 * the previous run that restarts during an update still finds its own, not a new one that fails
 * the launcher's sha256 check. A new archive is a new name, which @pulumi/kubernetes creates
 * before it deletes the old object (its Diff asks for delete-before-replace only when the new
 * name equals the old: pulumi/pulumi-kubernetes provider/pkg/provider/provider.go).
 */
export function workdirConfigMapName(job: string, sha256: string): string {
  return `${job}-workdir-${sha256.slice(0, WORKDIR_NAME_HASH_LENGTH)}`;
}

export function secretEnvSecretName(job: string): string {
  return `${job}-secret-env`;
}

export interface ShippedWorkdir {
  /** base64 of the tar.gz. */
  readonly archiveBase64: string;
  /** sha256 of the uncompressed tar. */
  readonly sha256: string;
}

export function buildWorkdirConfigMap(input: { job: string; namespace: string; experiment: string; stack: string; workdir: ShippedWorkdir }): IConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: workdirConfigMapName(input.job, input.workdir.sha256),
      namespace: input.namespace,
      labels: experimentLabels(input.experiment, input.stack, "workdir"),
      annotations: { [WORKDIR_SHA256_ANNOTATION]: input.workdir.sha256 },
    },
    // Its content is its name: never updated in place ("Once a ConfigMap is marked as immutable,
    // it is not possible to revert this change nor to mutate the contents of the data or the
    // binaryData field": https://kubernetes.io/docs/concepts/configuration/configmap/#configmap-immutable).
    immutable: true,
    binaryData: { [WORKDIR_ARCHIVE_FILE]: input.workdir.archiveBase64 },
  };
}

/** The Secret's metadata; the component adds the values (as Pulumi secrets) under stringData. */
export function buildSecretEnvSecret(input: { job: string; namespace: string; experiment: string; stack: string }): ISecret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: secretEnvSecretName(input.job), namespace: input.namespace, labels: experimentLabels(input.experiment, input.stack, "secret-env") },
    type: "Opaque",
  };
}

/**
 * pip writes its cache through renames, so only an output volume whose source can rename files
 * holds one (config/sources/: Mountpoint for S3 cannot; FSx, claims and host paths can).
 */
export function pipCacheDir(experiment: ExperimentSpec): string | undefined {
  const output = experiment.output;
  if (!output || !sourceKind(output.source.type).renames || experiment.setup.length === 0 || PIP_CACHE_ENV in experiment.env) return undefined;
  return `${output.mountPath.replace(/\/+$/, "")}/.cache/pip`;
}

/** What a workdir, secretEnv and setup add to the training pod. */
export interface PodAdditions {
  readonly volumes: IVolume[];
  readonly mounts: IVolumeMount[];
  readonly env: IEnvVar[];
  readonly annotations: Record<string, string>;
}

export function podAdditions(input: { job: string; experiment: ExperimentSpec; workdirSha256?: string }): PodAdditions {
  const { experiment, job } = input;
  const volumes: IVolume[] = [];
  const mounts: IVolumeMount[] = [];
  const annotations: Record<string, string> = {};
  if (input.workdirSha256) {
    // emptyDir: the unpacked files are the pod's own and writable (scripts may write next to themselves).
    volumes.push({ name: ARCHIVE_VOLUME, configMap: { name: workdirConfigMapName(job, input.workdirSha256), defaultMode: 0o444 } }, { name: WORKDIR_VOLUME, emptyDir: {} });
    mounts.push({ name: ARCHIVE_VOLUME, mountPath: WORKDIR_ARCHIVE_DIR, readOnly: true }, { name: WORKDIR_VOLUME, mountPath: WORKDIR_MOUNT });
    annotations[WORKDIR_SHA256_ANNOTATION] = input.workdirSha256;
  }
  const env: IEnvVar[] = [];
  const cache = pipCacheDir(experiment);
  if (cache) env.push({ name: PIP_CACHE_ENV, value: cache });
  for (const name of experiment.secretEnv) env.push({ name, valueFrom: { secretKeyRef: { name: secretEnvSecretName(job), key: name } } });
  // Names only, so the launcher can keep the values from the setup commands.
  if (experiment.secretEnv.length > 0) env.push({ name: SECRET_ENV_NAMES_ENV, value: experiment.secretEnv.join(",") });
  return { volumes, mounts, env, annotations };
}
