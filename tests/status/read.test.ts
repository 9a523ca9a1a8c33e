/**
 * Reading a run through the real @kubernetes/client-node client from stand-in API servers
 * (read-probe.ts, run with tsx: the client is ESM-only): which Jobs are the experiment's, APIs a
 * user may not read, Kueue v1beta1 and its visibility API, kubeconfigs as kubectl reads them.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
type Outcome = { ok?: any; error?: string; kind?: string }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("reading runs through the real client", () => {
  let r: Record<string, Outcome>;
  beforeAll(() => {
    const run = spawnSync("npx", ["tsx", path.join(__dirname, "read-probe.ts")], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
    if (run.status !== 0) throw new Error(`read-probe failed: ${run.stderr}`);
    r = JSON.parse(String(run.stdout).trim().split("\n").pop()!);
  }, 300_000);

  it("another stack's experiment of the same name, in its own namespace, is never this stack's run", () => {
    expect(r.otherStack.ok).toEqual({ jobs: ["t4-smoke"], pods: ["t4-smoke-x7k2p"], everywhere: ["t4-smoke", "team-b"] });
  });

  it("a sweep's runs are shown together, each with its values and state; a run outside the grid is an earlier run", () => {
    const s = r.sweep.ok;
    expect(s.name).toBe("t4-smoke-ccc333");
    expect(s.sweep).toEqual({
      id: "5e2a1c",
      runs: [
        { name: "t4-smoke-aaa111", env: { LEARNING_RATE: "1e-4" }, state: "succeeded" },
        { name: "t4-smoke-bbb222", env: { LEARNING_RATE: "3e-4" }, state: "running" },
        { name: "t4-smoke-ccc333", env: { LEARNING_RATE: "1e-3" }, state: "queued" },
      ],
    });
    expect(s.text).toMatch(/sweep +3 runs \(sweep 5e2a1c\): 1 succeeded, 1 running, 1 queued/);
    expect(s.text).toMatch(/t4-smoke-bbb222 +running +LEARNING_RATE=3e-4/);
    expect(s.text).toMatch(/earlier +1 earlier run of this experiment still listed/);
  });

  it("another experiment's Job whose name starts with this one's is not its run; an exact name is", () => {
    expect(r.prefix.ok).toEqual({ sweepLr: [], sweepLrB: ["sweep-lr-b"] });
    expect(r.exactName.ok).toEqual(["sweep-lr"]);
  });

  it("nodes, JobSets and Workloads refused (403): the run is shown, instance type and cost unknown", () => {
    const s = r.refusedOptional.ok;
    expect(s.state).toBe("running");
    expect(s.pods[0]).toMatchObject({ node: "ip-10-0-1-23.ec2.internal" });
    expect(s.pods[0].instanceType).toBeUndefined();
    expect(s.dollars).toBeNull();
    expect(s.text).toMatch(/cost +n\/a for ip-10-0-1-23\.ec2\.internal \(nodes not readable with these credentials \(403\)\)/);
    expect(s.queue.state).toBe("none");
    expect(r.refusedPods).toMatchObject({ kind: "KubeAccessError" });
    expect(r.refusedPods.error).toMatch(/^permission denied \(403\) for GET \/api\/v1\/namespaces\/t4-smoke\/pods/);
  });

  it("Workloads served only as v1beta1 and the visibility API's pending list: queued with its position", () => {
    const s = r.v1beta1.ok;
    expect(s.requests).toContain("GET /apis/kueue.x-k8s.io/v1beta1/namespaces/t4-smoke/workloads");
    expect(s.requests).toContain("GET /apis/visibility.kueue.x-k8s.io/v1beta2/namespaces/t4-smoke/localqueues/t4-smoke/pendingworkloads");
    expect(s.queue).toMatchObject({ state: "queued", position: 2, positionInClusterQueue: 3 });
  });

  it("the visibility API refused (403): queued, without a position", () => {
    expect(r.visibilityRefused.ok.queue.state).toBe("queued");
    expect(r.visibilityRefused.ok.queue.position).toBeUndefined();
    expect(r.visibilityRefused.ok.queue.text).toBe("queued in LocalQueue t4-smoke (Pending: insufficient quota)");
  });

  it("a replaced Job: the Workload owned by its UID, never the earlier Job's of the same name", () => {
    expect(r.replaced.ok.both).toMatchObject({ state: "admitted", workload: "job-t4-smoke-3b1f7" });
    expect(r.replaced.ok.onlyOld.state).toBe("none");
  });

  it("a bare http:// server without insecure-skip-tls-verify is read", () => {
    expect(r.bareHttp).toEqual({ ok: "running" });
  });

  it("a certificate path relative to the kubeconfig file's folder; without the file, the kubeconfig is blamed, not credentials", () => {
    expect(r.relativeCa.ok).toEqual(["t4-smoke-x7k2p"]);
    expect(r.looseCa.kind).toBe("KubeAccessError");
    expect(r.looseCa.error).toMatch(/^the kubeconfig loose\.yaml cannot be used for http:\/\/127\.0\.0\.1:\d+: .*ca\.crt/);
  });

  it("several kubeconfig files merged as $KUBECONFIG: the cluster in one, the context and user in another", () => {
    expect(r.merged.ok).toMatchObject({ server: `http://127.0.0.1:${r.merged.ok.port}`, jobs: ["t4-smoke"] });
  });

  it("a credential plugin that is not installed: one line naming the command", () => {
    expect(r.execMissing.kind).toBe("KubeAccessError");
    expect(r.execMissing.error).toMatch(/^cannot get credentials for http:\/\/127\.0\.0\.1:\d+: the kubeconfig's credential command `gtc-no-such-aws` is not installed/);
  });
});
