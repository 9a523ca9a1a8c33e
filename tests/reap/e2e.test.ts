/**
 * `npm run reap` end to end, with the real Automation API driving a stand-in `pulumi` binary
 * (tests/reap/fake-pulumi/pulumi) and the real Kubernetes client reading fake API servers on
 * localhost. The stack files are the project's own (stacks/).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeKubeApi, startFakeKubeApi } from "./fake-kube-api";
import { fakePulumiEnv, pulumiCalls as calls, runReap as run } from "./reap-process";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const gpuSpec = { containers: [{ name: "c", image: "x", resources: { limits: { "nvidia.com/gpu": "1" } } }] };

describe("npm run reap with a (fake) Pulumi CLI and (fake) clusters", () => {
  let idle: FakeKubeApi;
  let busy: FakeKubeApi;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // shared-cluster: its last job ended 5 hours ago (its limit is 240 min); t4-smoke: a pod is running.
    idle = await startFakeKubeApi({
      jobs: [{ metadata: { name: "sweep-lr-3e-4", namespace: "default" }, spec: { template: { spec: gpuSpec } }, status: { completionTime: ago(300), conditions: [{ type: "Complete", status: "True" }] } }],
    });
    busy = await startFakeKubeApi({ pods: [{ metadata: { name: "t4-smoke-0", namespace: "default" }, spec: { ...gpuSpec, nodeName: "ip-10-0-1-5" }, status: { phase: "Running" } }] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "reap-e2e-"));
    const retained = { type: "kubernetes:core/v1:PersistentVolume", urn: "urn:pulumi:x::gpu-training-clusters::kubernetes:core/v1:PersistentVolume::outputs", retainOnDelete: true };
    fs.writeFileSync(
      path.join(dir, "state.json"),
      JSON.stringify({
        stacks: [
          { name: "shared-cluster", lastUpdate: ago(3000), resourceCount: 52, outputs: { kubeconfig: idle.kubeconfig, clusterName: "shared-cluster" }, resources: [] },
          { name: "shared-t4-sweep", lastUpdate: ago(2900), resourceCount: 7, outputs: { clusterStack: "shared-cluster" }, resources: [retained] },
          { name: "t4-smoke", lastUpdate: ago(2000), resourceCount: 48, outputs: { kubeconfig: busy.kubeconfig, clusterName: "t4-smoke" }, resources: [] },
          { name: "rtx4090-existing", lastUpdate: ago(5000), resourceCount: 4, outputs: {} },
          { name: "a100-8gpu", lastUpdate: ago(9000), resourceCount: 0, outputs: {} },
        ],
      }),
    );
    env = fakePulumiEnv(path.join(dir, "state.json"));
  });

  afterAll(async () => {
    await idle.close();
    await busy.close();
  });

  it("dry run: reports every stack and destroys nothing", async () => {
    const log = path.join(dir, "dry.log");
    const r = await run([], { ...env, FAKE_PULUMI_LOG: log });
    expect(r.stderr).not.toContain("error");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("shared-cluster (cluster)  DESTROY");
    expect(r.stdout).toMatch(/idle: {6}5h 0\dm \(limit 240 min\)/);
    expect(r.stdout).toMatch(/last job: {2}default\/sweep-lr-3e-4 succeeded /);
    expect(r.stdout).toContain("  shared-t4-sweep (experiment on shared-cluster)  DESTROY, before shared-cluster");
    expect(r.stdout).toContain("t4-smoke (cluster)  KEEP");
    expect(r.stdout).toContain("why:       1 GPU pod running (default/t4-smoke-0 on ip-10-0-1-5)");
    expect(r.stdout).toContain("rtx4090-existing (existing cluster)  SKIP");
    expect(r.stdout).toContain("a100-8gpu (cluster)  SKIP");
    expect(r.stdout).toContain("Destroy order: shared-t4-sweep, shared-cluster");
    expect(calls(log).filter((a) => a[0] === "destroy")).toEqual([]);
  }, 90_000);

  it("--yes: destroys the experiment, then its cluster, and nothing else", async () => {
    const log = path.join(dir, "yes.log");
    const r = await run(["--yes"], { ...env, FAKE_PULUMI_LOG: log });
    expect(r.status).toBe(0);
    const destroys = calls(log).filter((a) => a[0] === "destroy");
    expect(destroys.map((a) => a[a.indexOf("--stack") + 1])).toEqual(["shared-t4-sweep", "shared-cluster"]);
    // A plain destroy: the storage guarantee rests on resource options, not on targeting.
    for (const a of destroys) {
      // --continue-on-error: one resource that cannot go must not leave the rest billing.
      expect(a).toEqual(expect.arrayContaining(["--yes", "--skip-preview", "--continue-on-error"]));
      expect(a).not.toContain("--target");
      expect(a).not.toContain("--exclude");
    }
    expect(r.stdout).toContain("Destroying (shared-t4-sweep)");
    expect(r.stdout).toContain("Destroyed 2 of 2 stacks.");
  }, 90_000);
});
