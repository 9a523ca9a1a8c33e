/** Multi-node pods that take part of a node get a node each; EFA pods get FI_EFA_USE_HUGE_PAGE=0. */
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { readLauncherFiles } from "../components/launcher-files";
import { loadStack, runParts } from "./helpers/experiment";
import type { StackSpec } from "../config/spec";

function build(stack: string, change: (spec: StackSpec) => StackSpec = (s) => s) {
  const { spec, plan } = loadStack(stack);
  const changed = change(spec);
  return buildExperimentObjects({ ...experimentInput(changed, plan, readLauncherFiles()), experiment: changed.experiment! });
}

describe("one node per pod", () => {
  it("keeps the pods of a run that take 4 of a p4d's 8 GPUs off each other's node", () => {
    const objects = build("a100-2x8", (s) => ({ ...s, experiment: { ...s.experiment!, gpusPerNode: 4 } }));
    const { pod } = runParts(objects);
    expect(pod.affinity).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { "jobset.sigs.k8s.io/jobset-name": objects.runName } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    });
  });

  it("adds nothing where a pod takes the whole node, or the run has one node", () => {
    expect(runParts(build("a100-2x8")).pod.affinity).toBeUndefined();
    expect(runParts(build("t4-smoke")).pod.affinity).toBeUndefined();
  });
});

describe("EFA pods", () => {
  it("turn libfabric's huge pages off, so DataLoader workers can fork", () => {
    expect(runParts(build("a100-2x8")).trainer.env).toContainEqual({ name: "FI_EFA_USE_HUGE_PAGE", value: "0" });
    expect(runParts(build("t4-smoke")).trainer.env!.map((e) => e.name)).not.toContain("FI_EFA_USE_HUGE_PAGE");
  });
});
