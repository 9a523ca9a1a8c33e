/**
 * Kueue (https://github.com/kubernetes-sigs/kueue), installed from its official chart: queues,
 * quotas per ResourceFlavor, all-or-nothing admission of a Job or JobSet, and waitForPodsReady.
 *
 * The chart reads the whole manager configuration from one value,
 * `managerConfig.controllerManagerConfigYaml` (charts/kueue/values.yaml at v0.19.2). Setting it
 * replaces the chart's default document, so the defaults the chart's Deployment and Services rely
 * on (probe, metrics and webhook ports, leader election, concurrency, client QPS) are written out
 * here as that file has them, followed by our settings.
 */
import { stringify } from "yaml";
import type { PodsReadyPlan } from "../plan/queueing";
import { EFA_RESOURCE } from "./network";
import { EXPERIMENT_LABEL } from "./labels";

export const KUEUE_NAMESPACE = "kueue-system";
/** A fixed release name: a second stack installing Kueue into the same cluster fails loudly. */
export const KUEUE_RELEASE = "kueue";

/**
 * Kueue manages exactly these: single-node runs are batch/v1 Jobs, multi-node runs JobSets.
 * Framework names from apis/config/v1beta2/configuration_types.go (Integrations.Frameworks).
 */
export const KUEUE_FRAMEWORKS = ["batch/job", "jobset.x-k8s.io/jobset"] as const;

/**
 * Extended resources Kueue must not count against quota. A workload requesting a resource the
 * ClusterQueue does not cover is never admitted ("resource ... unavailable in ClusterQueue",
 * pkg/scheduler/flavorassigner/flavorassigner.go at v0.19.2). EFA interfaces are hardware of the
 * node; the GPU quota already bounds how many such nodes a run gets.
 */
export const KUEUE_EXCLUDED_RESOURCE_PREFIXES = [EFA_RESOURCE] as const;

export interface KueueConfiguration {
  readonly apiVersion: "config.kueue.x-k8s.io/v1beta2";
  readonly kind: "Configuration";
  readonly [key: string]: unknown;
}

/** `timeout` as a Go duration (metav1.Duration), e.g. "18m". */
export function goMinutes(minutes: number): string {
  return `${minutes}m`;
}

export function kueueConfiguration(podsReady: PodsReadyPlan): KueueConfiguration {
  return {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    // The chart's defaults (charts/kueue/values.yaml, v0.19.2), unchanged.
    health: { healthProbeBindAddress: ":8081" },
    metrics: { bindAddress: ":8443" },
    webhook: { port: 9443 },
    leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
    controller: {
      groupKindConcurrency: {
        "Job.batch": 5,
        Pod: 5,
        "Workload.kueue.x-k8s.io": 10,
        "LocalQueue.kueue.x-k8s.io": 5,
        "ClusterQueue.kueue.x-k8s.io": 5,
        "ResourceFlavor.kueue.x-k8s.io": 1,
      },
    },
    clientConnection: { qps: 300, burst: 500 },
    // Ours. The QuotaReserved=False reasons that tell quota from never (ExceedsMaxQuota,
    // NoMatchingFlavor, Misconfigured, Suspended), which `npm run reap` and `status` read, are
    // written only with this gate on; otherwise every unadmitted Workload says Pending
    // (kueue v0.19.2 pkg/features/kube_features.go, pkg/workload/workload.go
    // UnadmittedWorkloadReasonWithFallback; v1beta2 Configuration.featureGates).
    featureGates: { UnadmittedWorkloadsObservability: true },
    // Ours. In v1beta2 the section's presence enables the feature (no `enable` field):
    // apis/config/v1beta2/configuration_types.go, WaitForPodsReady and RequeuingStrategy.
    waitForPodsReady: {
      timeout: goMinutes(podsReady.timeoutMinutes),
      // A running run whose pods stop being ready (a failed pod whose replacement cannot be
      // scheduled) is evicted after this long; v1beta2 defaults it to `timeout`
      // (apis/config/v1beta2/defaults.go at v0.19.2), written out so the plan's bound holds.
      recoveryTimeout: goMinutes(podsReady.timeoutMinutes),
      // Other runs keep being admitted while one waits for its nodes (the default, written out).
      blockAdmission: false,
      requeuingStrategy: {
        // Backoff counted from the eviction, not from the run's creation.
        timestamp: "Eviction",
        // Past this many requeues the Workload is deactivated (spec.active=false) with reason
        // RequeuingLimitExceeded; null would requeue forever.
        backoffLimitCount: podsReady.requeueLimit,
        backoffBaseSeconds: podsReady.backoffBaseSeconds,
        backoffMaxSeconds: podsReady.backoffMaxSeconds,
      },
    },
    // labelKeysToCopy: a run's Workload carries the experiment label too, so
    // `kubectl get workloads -l gpu-training-clusters.io/experiment=<name>` finds it.
    integrations: { frameworks: [...KUEUE_FRAMEWORKS], labelKeysToCopy: [EXPERIMENT_LABEL] },
    resources: { excludeResourcePrefixes: [...KUEUE_EXCLUDED_RESOURCE_PREFIXES] },
  };
}

export interface KueueValues {
  readonly managerConfig: { readonly controllerManagerConfigYaml: string };
}

export function kueueValues(podsReady: PodsReadyPlan): KueueValues {
  return { managerConfig: { controllerManagerConfigYaml: stringify(kueueConfiguration(podsReady), { lineWidth: 0 }) } };
}
