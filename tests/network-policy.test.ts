/**
 * Experiments on one cluster cannot reach each other's training processes: each stack's namespace
 * accepts connections from its own pods only, EKS enforces it, and egress can be limited.
 */
import { pureObjects, runParts } from "./helpers/experiment";
import { buildNamespaceObjects } from "../k8s/namespace";
import { ofType, planStack } from "./helpers/plan";
import { load, problemsOf } from "./helpers/config";
import { buildPlan } from "../plan/plan";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { readLauncherFiles } from "../components/launcher-files";

const CREATE = { nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1 }] };

describe("namespace isolation", () => {
  it.each(["t4-smoke", "a100-2x8", "shared-t4-sweep"])("%s: the policy selects every pod of the stack's namespace and admits only them", (stack) => {
    const { objects } = pureObjects(stack);
    const policy = objects.namespace.ingressPolicy;
    expect(policy.metadata!.namespace).toBe(stack);
    expect(runParts(objects).run.metadata!.namespace).toBe(stack);
    // An empty podSelector: every pod of the namespace, the run's and an exec run's alike.
    expect(policy.spec!.podSelector).toEqual({});
    expect(policy.spec!.policyTypes).toEqual(["Ingress"]);
    const from = policy.spec!.ingress!.flatMap((rule) => rule.from ?? []);
    // Its own namespace's pods get in, on any port (the rendezvous, NCCL's sockets); no namespace
    // selector and no IP block: nothing from outside the namespace.
    expect(from).toEqual([{ podSelector: {} }]);
    expect(policy.spec!.ingress!.every((rule) => rule.ports === undefined)).toBe(true);
    // Egress stays open unless the experiment limits it.
    expect(objects.namespace.egressPolicy).toBeUndefined();
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

describe("experiment.egress", () => {
  it("allows DNS to kube-dns, the namespace's own pods and the listed CIDRs only", () => {
    const spec = load({ ...CREATE, experiment: { name: "e", pool: "t4", egress: { allow: ["10.20.0.0/16", "52.0.0.0/8"] } } });
    const objects = buildExperimentObjects(experimentInput(spec, buildPlan(spec), readLauncherFiles()));
    const policy = objects.namespace.egressPolicy!;
    expect(policy.metadata!.namespace).toBe("test");
    expect(policy.spec!.podSelector).toEqual({});
    expect(policy.spec!.policyTypes).toEqual(["Egress"]);
    expect(policy.spec!.egress).toEqual([
      { to: [{ podSelector: {} }] },
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      // The Pod Identity agent: the training code's S3 credentials.
      { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
      { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }, { ipBlock: { cidr: "52.0.0.0/8" } }] },
    ]);
  });

  it("with an empty list: DNS, the namespace's own pods and the Pod Identity agent, nothing else", () => {
    const policy = buildNamespaceObjects({ namespace: "n", stack: "n", egressAllow: [], podSecurity: "baseline", gpuHealthCheck: false }).egressPolicy!;
    expect(policy.spec!.egress).toHaveLength(3);
    expect(JSON.stringify(policy.spec!.egress).match(/ipBlock/g)).toEqual(["ipBlock"]);
  });

  it("refuses what is not an IPv4 CIDR, naming the entry, and unknown keys", () => {
    const problems = problemsOf(() => load({ ...CREATE, experiment: { name: "e", pool: "t4", egress: { allow: ["10.0.0.0/8", "pypi.org", "10.0.0.0/33"] } } }));
    expect(problems).toEqual(
      expect.arrayContaining([
        'experiment.egress.allow[1]: is not an IPv4 CIDR (got "pypi.org"; e.g. 10.20.0.0/16, or 0.0.0.0/0 for anywhere)',
        'experiment.egress.allow[2]: is not an IPv4 CIDR (got "10.0.0.0/33"; e.g. 10.20.0.0/16, or 0.0.0.0/0 for anywhere)',
      ]),
    );
    expect(problems).toHaveLength(2);
    expect(problemsOf(() => load({ ...CREATE, experiment: { name: "e", pool: "t4", egress: { allow: [], deny: [] } } }))).toEqual(["experiment.egress.deny: unknown key (allowed: allow)"]);
  });
});
