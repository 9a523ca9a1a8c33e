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

const HEALTHY_NODES = {
  requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu-training-clusters.dev/gpu-unhealthy", operator: "DoesNotExist" }] }] },
};

describe("one node per pod", () => {
  it("keeps the pods of a run that take 4 of a p4d's 8 GPUs off each other's node", () => {
    const objects = build("a100-2x8", (s) => ({ ...s, experiment: { ...s.experiment!, gpusPerNode: 4 } }));
    const { pod } = runParts(objects);
    expect(pod.affinity).toEqual({
      nodeAffinity: HEALTHY_NODES,
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { "jobset.sigs.k8s.io/jobset-name": objects.runName } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    });
  });

  it("adds nothing where a pod takes the whole node, or the run has one node", () => {
    expect(runParts(build("a100-2x8")).pod.affinity).toEqual({ nodeAffinity: HEALTHY_NODES });
    expect(runParts(build("t4-smoke")).pod.affinity).toEqual({ nodeAffinity: HEALTHY_NODES });
  });
});

describe("the GPU health check", () => {
  it("keeps every run off a node whose check failed, and gives the pods the one identity that may label it", () => {
    const objects = build("a100-2x8");
    const { pod, trainer } = runParts(objects);
    expect(pod.serviceAccountName).toBe("training");
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(trainer.args).toContain("--gpu-health=a100-40gb");
    expect(trainer.env).toContainEqual({ name: "GTC_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
    const access = objects.namespace.gpuHealthAccess!;
    expect(access.clusterRole.rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["patch"] }]);
    expect(access.clusterRoleBinding.subjects).toEqual([{ kind: "ServiceAccount", name: "training", namespace: "a100-2x8" }]);
    expect(access.policy.spec!.matchConditions).toEqual([{ name: "trainer-service-account", expression: "request.userInfo.username == 'system:serviceaccount:a100-2x8:training'" }]);
    expect(access.policyBinding.spec!.validationActions).toEqual(["Deny"]);
  });

  it("runs in single-node runs too, right after the preflight", () => {
    const { trainer } = runParts(build("t4-smoke"));
    const args = trainer.args!;
    expect(args).toContain("--gpu-health=t4");
    expect(args.indexOf("--gpu-health=t4")).toBeLessThan(args.indexOf("--"));
  });

  it("is off with experiment.gpuHealthCheck: false: no flag, no token, no rights", () => {
    const objects = build("a100-2x8", (s) => ({ ...s, experiment: { ...s.experiment!, gpuHealthCheck: false } }));
    const { pod, trainer } = runParts(objects);
    expect(trainer.args!.some((a) => a.startsWith("--gpu-health"))).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    // The namespace's own account, which holds no rights in the cluster (and no API token).
    expect(pod.serviceAccountName).toBe("training");
    expect(objects.namespace.serviceAccount?.metadata?.name).toBe("training");
    expect(objects.namespace.gpuHealthAccess).toBeUndefined();
    expect(pod.affinity).toEqual({ nodeAffinity: HEALTHY_NODES });
  });
});

describe("EFA pods", () => {
  it("turn libfabric's huge pages off, so DataLoader workers can fork", () => {
    expect(runParts(build("a100-2x8")).trainer.env).toContainEqual({ name: "FI_EFA_USE_HUGE_PAGE", value: "0" });
    expect(runParts(build("t4-smoke")).trainer.env!.map((e) => e.name)).not.toContain("FI_EFA_USE_HUGE_PAGE");
  });
});
