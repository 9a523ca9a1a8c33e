/**
 * The JobSet controller (https://github.com/kubernetes-sigs/jobset), installed from its official
 * chart: multi-node runs are JobSets (k8s/jobset.ts). Installed before Kueue, whose
 * `jobset.x-k8s.io/jobset` integration then starts at once instead of polling for the API
 * (pkg/controller/jobframework/setup.go at kueue v0.19.2 defers it until the CRD is served).
 */
import { JOBSET_CHART } from "../catalog/versions";

/** The namespace of JobSet's installation guide (site/content/en/docs/installation, v0.12.0). */
export const JOBSET_NAMESPACE = "jobset-system";
export const JOBSET_RELEASE = "jobset";

export interface JobSetValues {
  readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: "IfNotPresent" };
}

/**
 * The controller image, written out. charts/jobset/values.yaml in git names a staging image
 * (`tag: main`); the release packaging (hack/helm-chart-package.sh, v0.12.0) rewrites it to
 * registry.k8s.io/jobset/jobset at the release tag. Stating it here keeps the pin visible and
 * true whatever chart archive Helm pulls.
 */
export function jobSetValues(): JobSetValues {
  return { image: { repository: "registry.k8s.io/jobset/jobset", tag: `v${JOBSET_CHART.version}`, pullPolicy: "IfNotPresent" } };
}
