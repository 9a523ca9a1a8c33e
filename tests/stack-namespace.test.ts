/** The namespace each experiment stack gets: derived from its name, checked before anything exists. */
import { SHARED_NAMESPACES, stackNamespace, stackNamespaceProblems } from "../config/names";
import { KUEUE_NAMESPACE } from "../k8s/kueue-release";
import { JOBSET_NAMESPACE } from "../k8s/jobset-release";
import { DEVICE_PLUGIN_NAMESPACE } from "../k8s/device-plugin";
import { buildNamespaceObjects, podSecurityLevel } from "../k8s/namespace";
import { load, problemsOf } from "./helpers/config";
import { loadStackSpec } from "../config/load";
import { raw } from "./helpers/config";
import { pureObjects } from "./helpers/experiment";
import { planWarnings } from "../plan/warnings";

describe("stackNamespace", () => {
  it("is the stack name as a DNS-1123 label", () => {
    expect(stackNamespace("t4-smoke")).toBe("t4-smoke");
    expect(stackNamespace("Team_A.exp")).toBe("team-a-exp");
    expect(stackNamespace("-x-")).toBe("x");
    expect(stackNamespace(`a${"b".repeat(80)}-`)).toHaveLength(63);
    for (const s of ["t4-smoke", "Team_A.exp", "9lives", `a${"-".repeat(70)}b`]) expect(stackNamespace(s)).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it("refuses a name that gives no label, or a namespace the cluster shares", () => {
    expect(stackNamespaceProblems("___")).toEqual(["gives no namespace name (it needs a letter or digit; a namespace is named after its stack)"]);
    expect(stackNamespaceProblems("Default")[0]).toContain('gives the namespace "default", which the cluster shares');
    expect(stackNamespaceProblems("team-a")).toEqual([]);
    // Every namespace this project installs into is among them.
    for (const ns of [KUEUE_NAMESPACE, JOBSET_NAMESPACE, DEVICE_PLUGIN_NAMESPACE]) expect(SHARED_NAMESPACES).toContain(ns);
  });

  it("is checked for an experiment stack, naming the stack", () => {
    const config = raw({ cluster: { mode: "existing" }, nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1, driverVersion: "580.65.06" }], experiment: { name: "e", pool: "t4" } }, {});
    expect(problemsOf(() => loadStackSpec(config, { stack: "kube-system" }))).toEqual([
      'stack: "kube-system" gives the namespace "kube-system", which the cluster shares (not allowed: default, kube-system, kube-public, kube-node-lease, kueue-system, jobset-system, amazon-cloudwatch, mount-s3); choose another stack name',
    ]);
    expect(load({ cluster: { mode: "existing" }, nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1, driverVersion: "580.65.06" }], experiment: { name: "e", pool: "t4" } }, {}, null).stack).toBe("test");
  });
});

describe("Pod Security", () => {
  it("enforces baseline, and privileged only where a hostPath volume needs it", () => {
    expect(podSecurityLevel(false)).toBe("baseline");
    expect(podSecurityLevel(true)).toBe("privileged");
    const ns = buildNamespaceObjects({ namespace: "n", stack: "n", podSecurity: "baseline", gpuHealthCheck: false }).namespace;
    expect(ns.metadata!.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest" });
  });

  it.each([
    ["t4-smoke", "baseline"],
    ["a100-2x8", "baseline"],
    ["rtx4090-hybrid", "privileged"],
  ])("%s: its namespace enforces %s, and the plan says why where it is not baseline", (stack, level) => {
    const { objects, spec, plan } = pureObjects(stack);
    expect(objects.namespace.namespace.metadata!.labels!["pod-security.kubernetes.io/enforce"]).toBe(level);
    const said = planWarnings(spec, plan.pools).filter((w) => w.includes("Pod Security"));
    expect(said.length).toBe(level === "baseline" ? 0 : 1);
  });
});

describe("FSx outputs", () => {
  it("are said to be shared by every stack that mounts the file system", () => {
    const { spec, plan } = pureObjects("a100-8gpu");
    expect(planWarnings(spec, plan.pools).filter((w) => w.includes("every stack on the cluster that mounts it"))).toEqual([
      expect.stringMatching(/^experiment\.output\.source\.fileSystemId: the output mounts all of FSx file system fs-/),
    ]);
  });
});
