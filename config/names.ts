/**
 * Every Kubernetes name the program derives from user input, in one place, so the longest of
 * them can be checked against DNS-1035 before anything is applied (an Indexed Job whose pod
 * hostname `<job>-<index>` exceeds 63 characters fails only when its pods are created).
 */

import { RUN_HASH_LENGTH } from "./run-name";

export const MAX_DNS_LABEL = 63;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export interface ExperimentNames {
  readonly job: string;
  /** Headless Service giving pod 0 a stable DNS name for rendezvous. */
  readonly service: string;
  /** ConfigMap carrying the launcher (preflight + smoke workload) into the public image. */
  readonly launcherConfigMap: string;
  /**
   * The longest pod name of the run, as JobSet's webhook checks it: `<jobset>-node-0-<nodes - 1>`
   * plus the 5-character suffix the Job controller adds (pkg/webhooks/jobset_webhook.go, v0.12.0),
   * where `<jobset>` is `<experiment>-<6 hex of the spec hash>` (config/run-name.ts).
   */
  readonly lastPodHostname: string;
  /** PersistentVolume / PersistentVolumeClaim name of a volume the experiment owns. */
  readonly volume: (volumeName: string) => string;
}

export function experimentNames(experiment: { readonly name: string; readonly nodes: number }): ExperimentNames {
  const job = experiment.name;
  return {
    job,
    service: job,
    launcherConfigMap: `${job}-launcher`,
    lastPodHostname: `${job}-${"0".repeat(RUN_HASH_LENGTH)}-node-0-${experiment.nodes - 1}-abcde`,
    volume: (volumeName) => `${job}-${volumeName}`,
  };
}

/**
 * The namespace of every namespaced object an experiment stack creates: one per stack, named after
 * it, so that a shared cluster keeps each stack's Secrets, claims, queue and runs apart (EKS best
 * practices, multi-tenancy: https://docs.aws.amazon.com/eks/latest/best-practices/tenant-isolation.html).
 * A stack name allows [A-Za-z0-9_.-] (https://www.pulumi.com/docs/iac/concepts/stacks/); a
 * namespace is a DNS-1123 label (lower-case alphanumerics and '-', 63 at most,
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names), so
 * the name is lower-cased and every other character becomes '-'.
 */
export function stackNamespace(stack: string): string {
  return stack
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^-+/, "")
    .slice(0, MAX_DNS_LABEL)
    .replace(/-+$/, "");
}

/**
 * Namespaces a cluster already has, or that this project installs into (Kueue, JobSet, the
 * device plugin and autoscaler in kube-system, the CloudWatch add-on in amazon-cloudwatch, the
 * Mountpoint S3 driver's mount pods in mount-s3): a stack namespace must not be one of them, since
 * the stack would then create, and on `pulumi destroy` delete, a namespace it shares.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces;
 * mount-s3: awslabs/mountpoint-s3-csi-driver v2 (docs/MOUNTPOINT_POD_SHARING.md, the mount pods' namespace).
 */
export const SHARED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "kueue-system", "jobset-system", "amazon-cloudwatch", "mount-s3"] as const;

/** Problems with the namespace a stack name gives, or [] when it can be the stack's own. */
export function stackNamespaceProblems(stack: string): string[] {
  const ns = stackNamespace(stack);
  if (ns === "") return [`gives no namespace name (it needs a letter or digit; a namespace is named after its stack)`];
  if ((SHARED_NAMESPACES as readonly string[]).includes(ns)) return [`gives the namespace ${JSON.stringify(ns)}, which the cluster shares (not allowed: ${SHARED_NAMESPACES.join(", ")}); choose another stack name`];
  return [];
}

/** Labels every pool's nodes carry (managed, hybrid and existing alike). */
export const POOL_LABEL = "gpu-training-clusters.io/pool";
export const GPU_LABEL = "gpu-training-clusters.io/gpu";

/** Problems with a name as a DNS-1035 label, or [] when it is one. */
export function dnsLabelProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > MAX_DNS_LABEL) problems.push(`is ${name.length} characters (at most ${MAX_DNS_LABEL})`);
  if (!DNS1035.test(name)) problems.push("is not a DNS-1035 label (lower-case letters, digits and '-', starting with a letter)");
  return problems;
}

/** Every GPU node says it has NVIDIA GPUs; the device plugin's affinity selects on this label. */
export const GPU_PRESENT_LABEL = "nvidia.com/gpu.present";

/** The taint every GPU node carries, so only pods that asked for GPUs land there. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;

/**
 * Labels a GPU pool's nodes carry: set on managed node groups, in the nodeadm config of hybrid
 * machines, and documented for nodes of an existing cluster (whose pools may select on others).
 */
export function gpuNodeLabels(pool: { readonly name: string; readonly gpu: string }): Record<string, string> {
  return { [POOL_LABEL]: pool.name, [GPU_LABEL]: pool.gpu, [GPU_PRESENT_LABEL]: "true" };
}
