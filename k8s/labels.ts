/**
 * Labels of every object an experiment creates: Kubernetes' recommended `app.kubernetes.io/*` set
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/) plus our own,
 * which select the experiment's pods and let tools find them (the reaper,
 * `kubectl get pods -l gpu-training-clusters.io/experiment=<name>`).
 */

export const PART_OF = "gpu-training-clusters";
export const EXPERIMENT_LABEL = "gpu-training-clusters.io/experiment";
export const STACK_LABEL = "gpu-training-clusters.io/stack";

/** What an object is to the experiment: the value of `app.kubernetes.io/component`. */
export type Component = "trainer" | "rendezvous" | "launcher" | "dataset" | "output" | "workdir" | "secret-env" | "isolation";

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A string as a label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending with an
 * alphanumeric. Stack names allow exactly those characters, but not their length or ends.
 */
export function labelValue(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 63)
    .replace(/[^A-Za-z0-9]+$/, "");
  if (!LABEL_VALUE.test(cleaned)) throw new Error(`unreachable: ${cleaned} is not a label value`);
  return cleaned;
}

/** The labels that identify the experiment's pods; the Service selects on exactly these. */
export function selectorLabels(experiment: string): Record<string, string> {
  return { [EXPERIMENT_LABEL]: experiment };
}

export function experimentLabels(experiment: string, stack: string, component: Component): Record<string, string> {
  return {
    "app.kubernetes.io/name": "pytorch-ddp",
    "app.kubernetes.io/instance": experiment,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    // Pulumi does not write this label itself when it applies objects server-side.
    "app.kubernetes.io/managed-by": "pulumi",
    ...selectorLabels(experiment),
    [STACK_LABEL]: labelValue(stack),
  };
}
