/**
 * Experiments on one cluster cannot reach each other's training processes: each run's pods accept
 * connections from the pods of their own experiment and stack only, and EKS enforces it.
 */
import { pureObjects, runParts } from "./helpers/experiment";
import { buildNetworkPolicy } from "../k8s/network-policy";
import { ofType, planStack } from "./helpers/plan";

/** Whether a NetworkPolicy's matchLabels select a pod with these labels. */
const selects = (matchLabels: Record<string, string> | undefined, labels: Record<string, string>) => Object.entries(matchLabels ?? {}).every(([k, v]) => labels[k] === v);

describe("experiment isolation", () => {
  it.each(["t4-smoke", "a100-2x8", "shared-t4-sweep"])("%s: the policy selects the run's pods and admits only them", (stack) => {
    const { objects } = pureObjects(stack);
    const policy = objects.networkPolicy;
    const podLabels = runParts(objects).jobSpec.template.metadata!.labels!;
    expect(selects(policy.spec!.podSelector!.matchLabels, podLabels)).toBe(true);
    expect(policy.spec!.policyTypes).toEqual(["Ingress"]);
    expect(policy.metadata!.namespace).toBe(runParts(objects).run.metadata!.namespace);
    const from = policy.spec!.ingress!.flatMap((rule) => rule.from ?? []);
    expect(from).toHaveLength(1);
    // Its own pods get in, on any port (the rendezvous, NCCL's sockets).
    expect(selects(from[0].podSelector!.matchLabels, podLabels)).toBe(true);
    expect(policy.spec!.ingress!.every((rule) => rule.ports === undefined)).toBe(true);
    // No namespace selector, no IP block: nothing outside the namespace's own matching pods.
    expect(from[0].namespaceSelector).toBeUndefined();
    expect(from[0].ipBlock).toBeUndefined();
  });

  it("keeps out another experiment, and the same experiment name in another stack", () => {
    const a = buildNetworkPolicy({ name: "train-isolation", namespace: "default", experiment: "train", stack: "alice" });
    const b = pureObjects("t4-smoke").objects;
    const otherExperiment = runParts(b).jobSpec.template.metadata!.labels!;
    const sameNameOtherStack = { ...otherExperiment, "gpu-training-clusters.io/experiment": "train" };
    const allowed = a.spec!.ingress![0].from![0].podSelector!.matchLabels;
    expect(selects(allowed, otherExperiment)).toBe(false);
    expect(selects(allowed, sameNameOtherStack)).toBe(false);
    expect(selects(allowed, { ...sameNameOtherStack, "gpu-training-clusters.io/stack": "alice" })).toBe(true);
  });

  it("is created before the run, and EKS's vpc-cni enforces it", async () => {
    const run = await planStack("t4-smoke");
    expect(ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toHaveLength(1);
    const cni = ofType(run, "aws:eks/addon:Addon").find((r) => r.inputs.addonName === "vpc-cni")!;
    expect(JSON.parse(String(cni.inputs.configurationValues))).toEqual({ enableNetworkPolicy: "true" });
    const names = run.json.resources.map((r) => r.type);
    expect(names.indexOf("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toBeLessThan(names.indexOf("kubernetes:batch/v1:Job"));
  });
});
