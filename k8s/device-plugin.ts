/**
 * Helm values of the NVIDIA device plugin, which advertises `nvidia.com/gpu` on each GPU node.
 * The EKS AL2023 NVIDIA AMI ships the driver and container toolkit but not the plugin.
 *
 * The chart's default affinity (values.yaml of chart 0.20.0,
 * https://github.com/NVIDIA/k8s-device-plugin/blob/v0.20.0/deployments/helm/nvidia-device-plugin/values.yaml)
 * accepts nodes labelled by Node Feature Discovery (`feature.node.kubernetes.io/pci-10de.present`,
 * `feature.node.kubernetes.io/cpu-model.vendor_id=NVIDIA`) or `nvidia.com/gpu.present=true`. We run
 * no NFD, and an NFD-labelled node is not necessarily one of our GPU pools; so the affinity is
 * replaced by one on `nvidia.com/gpu.present=true` alone, which our managed and hybrid GPU nodes
 * carry (gpuNodeLabels) and existing-cluster users are told to set. CPU nodes never carry it.
 */
import { gpuNodeAffinity, gpuToleration } from "./scheduling";
import { NVIDIA_DEVICE_PLUGIN_IMAGE } from "../catalog/versions";


/** kube-system: the chart refuses `default`, and a cluster-wide plugin belongs with the system pods. */
export const DEVICE_PLUGIN_NAMESPACE = "kube-system";
/** A fixed release name: a second stack installing it into the same cluster fails loudly. */
export const DEVICE_PLUGIN_RELEASE = "nvidia-device-plugin";

export interface DevicePluginValues {
  readonly affinity: ReturnType<typeof gpuNodeAffinity>;
  readonly tolerations: readonly ReturnType<typeof gpuToleration>[];
  readonly priorityClassName: string;
  readonly nodeSelector: Record<string, never>;
  readonly gfd: { readonly enabled: false };
  /** Chart values `image.repository` / `image.tag`; the tag carries the digest (catalog/versions.ts). */
  readonly image: { readonly repository: string; readonly tag: string };
  /** Chart value `runtimeClassName` (values.yaml of chart 0.20.0; null by default). */
  readonly runtimeClassName?: string;
  /** Chart value `mofedEnabled` (values.yaml of chart 0.20.0: null, the plugin's own default). */
  readonly mofedEnabled?: false;
}

/**
 * @param runtimeClassName where the NVIDIA runtime is not containerd's default (k8s/runtime-class.ts)
 * @param efaPools whether the cluster has managed node groups with EFA interfaces. With MOFED
 *   handling on, the plugin mounts every /dev/infiniband/uverbs* device into any container that
 *   requests GPUs, the EFA devices the EFA device plugin should hand out; the EKS user guide
 *   (device-management-efa, "Important") says to disable MOFED explicitly on managed node groups.
 *   Plugin v0.19.0–v0.19.2 defaulted it on; v0.19.3 and the pinned v0.20.0 default it off again
 *   (NVIDIA/k8s-device-plugin #1837), so `false` changes nothing today: it pins the guide's
 *   setting against a future default. The chart sets the MOFED_ENABLED
 *   environment variable from the boolean value `mofedEnabled`
 *   (templates/daemonset-device-plugin.yml and cmd/nvidia-device-plugin/main.go, flag
 *   `mofed-enabled`, of NVIDIA/k8s-device-plugin v0.20.0). Elsewhere the plugin's default stays:
 *   an existing cluster may have InfiniBand.
 */
export function devicePluginValues(runtimeClassName?: string, efaPools = false): DevicePluginValues {
  return {
    affinity: gpuNodeAffinity(),
    // Replaces the chart's list: our GPU taint (any value) and the legacy critical-addon taint.
    tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }, gpuToleration()],
    // The chart's default, written out: the plugin must not be preempted by training pods.
    priorityClassName: "system-node-critical",
    nodeSelector: {},
    // GPU Feature Discovery would need NFD; the pools already say which GPU they have.
    gfd: { enabled: false },
    // By digest: a tag on nvcr.io can be re-pushed; the node then runs exactly the image planned.
    image: { repository: NVIDIA_DEVICE_PLUGIN_IMAGE.repository, tag: `${NVIDIA_DEVICE_PLUGIN_IMAGE.tag}@${NVIDIA_DEVICE_PLUGIN_IMAGE.digest}` },
    ...(runtimeClassName ? { runtimeClassName } : {}),
    ...(efaPools ? { mofedEnabled: false as const } : {}),
  };
}
