/**
 * Every version the program installs into a cluster, pinned, with where each was read: EKS
 * add-ons, Helm charts. Never `latest`: an add-on or chart that moves under a stack changes its
 * cluster on a plain `pulumi up`. To move a pin, check the new version exists for the Kubernetes
 * version first:
 *   aws eks describe-addon-versions --addon-name <name> --kubernetes-version <k8s>
 *   helm search repo autoscaler/cluster-autoscaler --versions
 * The training image is pinned by digest in images.ts.
 */
import type { KubernetesVersion } from "./kubernetes-versions";

export type { KubernetesVersion };

/**
 * The EKS add-ons every cluster the program creates gets, by their EKS add-on name. The CSI
 * drivers of the volume sources are pinned with their source (config/sources/, `addon`).
 */
export type AddonName = "vpc-cni" | "kube-proxy" | "coredns" | "eks-pod-identity-agent" | "amazon-cloudwatch-observability";

type AddonTable = Record<KubernetesVersion, Record<AddonName, string>>;

/*
 * Sources (read November 2026):
 * - kube-proxy, coredns: the "latest version" tables of the EKS user guide,
 *   https://docs.aws.amazon.com/eks/latest/userguide/managing-kube-proxy.html and
 *   https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html (the snapshot listing 1.30-1.35).
 * - vpc-cni v1.21.1-eksbuild.7: not confirmed against the user guide's table (managing-vpc-cni.html);
 *   this build is the one public EKS projects pin on 1.33, 1.34 and 1.35 clusters alike, and
 *   https://github.com/aws/amazon-vpc-cni-k8s recommends the latest release for every Kubernetes version.
 * - eks-pod-identity-agent v1.3.10-eksbuild.2: pinned by public EKS projects on 1.34 and 1.35 clusters.
 * - amazon-cloudwatch-observability: see CLOUDWATCH_OBSERVABILITY below (installed unless cluster.logs.cloudWatch is false).
 */
const COMMON = {
  "vpc-cni": "v1.21.1-eksbuild.7",
  "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
  "amazon-cloudwatch-observability": "v6.7.0-eksbuild.1",
} as const;

export const ADDON_VERSIONS: AddonTable = {
  "1.32": { ...COMMON, "kube-proxy": "v1.32.13-eksbuild.5", coredns: "v1.11.4-eksbuild.33" },
  "1.33": { ...COMMON, "kube-proxy": "v1.33.10-eksbuild.2", coredns: "v1.13.2-eksbuild.4" },
  "1.34": { ...COMMON, "kube-proxy": "v1.34.6-eksbuild.2", coredns: "v1.13.2-eksbuild.4" },
  "1.35": { ...COMMON, "kube-proxy": "v1.35.3-eksbuild.2", coredns: "v1.13.2-eksbuild.4" },
};

export function addonVersion(k8s: KubernetesVersion, addon: AddonName): string {
  return ADDON_VERSIONS[k8s][addon];
}

export interface HelmChart {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  /** The app version the chart ships, for the docs and tests; not sent to Helm. */
  readonly appVersion: string;
}

const AUTOSCALER_REPO = "https://kubernetes.github.io/autoscaler";

/*
 * cluster-autoscaler supports the Kubernetes minor it was built for; the chart is pinned to the
 * last release whose appVersion has the cluster's minor. Read from the chart's Chart.yaml at the
 * tags cluster-autoscaler-chart-<version> of https://github.com/kubernetes/autoscaler:
 * 9.46.6 → 1.32.0, 9.51.0 → 1.33.0, 9.53.0 → 1.34.2 (9.54.0 moves to 1.35.0), 9.59.0 → 1.35.0.
 */
export const AUTOSCALER_CHARTS: Record<KubernetesVersion, HelmChart> = {
  "1.32": { repository: AUTOSCALER_REPO, chart: "cluster-autoscaler", version: "9.46.6", appVersion: "1.32.0" },
  "1.33": { repository: AUTOSCALER_REPO, chart: "cluster-autoscaler", version: "9.51.0", appVersion: "1.33.0" },
  "1.34": { repository: AUTOSCALER_REPO, chart: "cluster-autoscaler", version: "9.53.0", appVersion: "1.34.2" },
  "1.35": { repository: AUTOSCALER_REPO, chart: "cluster-autoscaler", version: "9.59.0", appVersion: "1.35.0" },
};

/*
 * The EFA device plugin chart: stable/aws-efa-k8s-device-plugin/Chart.yaml of
 * https://github.com/aws/eks-charts (master, August 2026). The chart's version string really has
 * the leading "v". Its default affinity (values.yaml supportedInstanceLabels, at eks-charts commit
 * 5239609242f3 where Chart.yaml says v0.5.30) lists every type of catalog/instances.ts with EFA,
 * p5.4xlarge, p5e, p5en, p6-b200 and the g5/g6/g6e sizes included.
 */
export const EFA_PLUGIN_CHART: HelmChart = {
  repository: "https://aws.github.io/eks-charts",
  chart: "aws-efa-k8s-device-plugin",
  version: "v0.5.30",
  appVersion: "v0.5.20",
};

/** Kueue, pinned; verified against charts/kueue/Chart.yaml at tag v0.19.2 (version 0.19.2, appVersion v0.19.2). */
export const KUEUE_CHART = {
  chart: "oci://registry.k8s.io/kueue/charts/kueue",
  version: "0.19.2",
} as const;

/** JobSet, pinned; verified against charts/jobset/Chart.yaml at tag v0.12.0 (version 0.12.0). */
export const JOBSET_CHART = {
  chart: "oci://registry.k8s.io/jobset/charts/jobset",
  version: "0.12.0",
} as const;

/** The NVIDIA device plugin, pinned; verified against the chart's Chart.yaml at tag v0.20.0. */
export const NVIDIA_DEVICE_PLUGIN_CHART = {
  chart: "nvidia-device-plugin",
  version: "0.20.0",
  repo: "https://nvidia.github.io/k8s-device-plugin",
} as const;

/**
 * The chart's image, pinned by digest: the multi-arch index of nvcr.io/nvidia/k8s-device-plugin:v0.20.0.
 * Read from public sources that agree (this environment cannot reach nvcr.io): a running pod's
 * `Image ID` for that tag in a kubectl describe, NVIDIA GPU Operator bundle v26.7.0's pinned
 * reference (prefix a61ba9fd), and a mirroring script that lists it as the tag's index (its amd64
 * manifest is another digest). Check with `crane digest nvcr.io/nvidia/k8s-device-plugin:v0.20.0`.
 * The chart has no digest key: its image is `image.repository:image.tag` (templates/_helpers.tpl
 * `nvidia-device-plugin.fullimage`), so the digest rides in the tag, and the reference
 * `repo:v0.20.0@sha256:...` is resolved by digest.
 */
export const NVIDIA_DEVICE_PLUGIN_IMAGE = {
  repository: "nvcr.io/nvidia/k8s-device-plugin",
  tag: "v0.20.0",
  digest: "sha256:a61ba9fd8efb82f3a79f877f7580e02c1e8e7593f62473644bc9c79e315c3312",
} as const;

/**
 * The Amazon CloudWatch Observability EKS add-on: Fluent Bit ships every container's log to
 * CloudWatch Logs (`/aws/containerinsights/<cluster>/application`), where it outlives the pods and
 * the cluster. Name, service account and policy from the CloudWatch user guide
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-setup-EKS-addon.html:
 * `--addon-name amazon-cloudwatch-observability`, `CloudWatchAgentServerPolicy`, EKS Pod Identity
 * from add-on version 3.1.0 with `serviceAccount=cloudwatch-agent`). Its version is in ADDON_VERSIONS
 * (v6.7.0-eksbuild.1, pinned by a public EKS project, November 2026), so `pulumi preview` compares it
 * with what EKS offers for the cluster's Kubernetes version, as it does the other add-ons.
 */
export const CLOUDWATCH_OBSERVABILITY = {
  addonName: "amazon-cloudwatch-observability",
  namespace: "amazon-cloudwatch",
  serviceAccount: "cloudwatch-agent",
  policy: "CloudWatchAgentServerPolicy",
} as const;

