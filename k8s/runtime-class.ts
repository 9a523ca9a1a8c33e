/**
 * Which containerd runtime handler GPU pods ask for. Where the NVIDIA runtime is containerd's
 * default (the EKS AL2023 NVIDIA AMI) nothing is needed; where it is only registered beside runc,
 * a pod without `runtimeClassName` starts under runc and sees no GPU:
 *
 * - EKS Hybrid Nodes: nodeadm owns /etc/containerd/config.toml and merges a user drop-in
 *   section by section, so a drop-in that sets `default_runtime_name` replaces nodeadm's whole
 *   CRI table (sandbox image, CNI and registry settings; containerd merges imported files per
 *   section, not per key: https://github.com/containerd/containerd/issues/5837). AWS's own GPU test
 *   of hybrid nodes instead runs `nvidia-ctk runtime configure --runtime=containerd` (registering an
 *   `nvidia` handler, not the default), applies a RuntimeClass `nvidia` with handler `nvidia`, and
 *   gives the GPU pod `runtimeClassName: nvidia` (github.com/aws/eks-hybrid,
 *   test/e2e/os/testdata/nvidia-driver-install.sh, test/e2e/addon/testdata/gpu-pod.yaml and
 *   nvidia-device-plugin-v0.18.2.yaml). We do the same.
 * - k3s registers the `nvidia` runtime it finds but keeps runc as the default
 *   (https://docs.k3s.io/advanced#nvidia-container-runtime-support): an existing cluster names
 *   its RuntimeClass in `cluster.runtimeClassName`.
 *
 * The EKS AL2023 NVIDIA AMI defines the same `nvidia` handler, as its default runtime, whenever
 * /usr/bin/nvidia-container-runtime exists (awslabs/amazon-eks-ami,
 * nodeadm/internal/containerd/runtime_config_nvidia.go: nvidiaRuntimeName = "nvidia"), so one
 * device plugin DaemonSet with `runtimeClassName: nvidia` serves managed and hybrid nodes alike.
 */
import type { IRuntimeClass } from "kubernetes-models/node.k8s.io/v1/RuntimeClass";
import type { StackSpec } from "../config/spec";
import type { PoolKind } from "../config/spec";

/** Name of the RuntimeClass, and of the containerd handler `nvidia-ctk runtime configure` registers. */
export const NVIDIA_RUNTIME_CLASS = "nvidia";

/** The RuntimeClass a cluster with hybrid nodes gets (the handler must exist on every node using it). */
export function nvidiaRuntimeClass(): IRuntimeClass {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: NVIDIA_RUNTIME_CLASS, labels: { "app.kubernetes.io/managed-by": "gpu-training-clusters" } },
    handler: NVIDIA_RUNTIME_CLASS,
  };
}

type ClusterView = Pick<StackSpec, "cluster"> & { readonly pools: readonly { readonly kind: PoolKind }[] };

/** Whether this stack's cluster has hybrid GPU nodes, so it needs the `nvidia` RuntimeClass. */
export function clusterNeedsNvidiaRuntimeClass(spec: ClusterView): boolean {
  return spec.cluster.mode !== "existing" && spec.pools.some((p) => p.kind === "hybrid");
}

/** runtimeClassName for the NVIDIA device plugin's pods; undefined where NVIDIA is the default runtime. */
export function devicePluginRuntimeClass(spec: ClusterView): string | undefined {
  if (spec.cluster.mode === "existing") return spec.cluster.runtimeClassName;
  return clusterNeedsNvidiaRuntimeClass(spec) ? NVIDIA_RUNTIME_CLASS : undefined;
}

/** runtimeClassName for the training pods of a pool; undefined where NVIDIA is the default runtime. */
export function trainingRuntimeClass(spec: Pick<StackSpec, "cluster">, poolKind: PoolKind): string | undefined {
  if (spec.cluster.mode === "existing") return spec.cluster.runtimeClassName;
  return poolKind === "hybrid" ? NVIDIA_RUNTIME_CLASS : undefined;
}
