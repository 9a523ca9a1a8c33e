/**
 * `npm run exec` as a user runs it (tsx tools/exec.ts), against a stand-in API server on
 * 127.0.0.1 that stores what it is sent and plays Kueue and the Job controller
 * (tests/exec/fake-api-server.ts). The objects it created are then checked against the
 * Kubernetes schemas (tests/schema/validate.mjs).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { buildExecRun } from "../../tools/exec";
import { ROOT, TSX } from "../helpers/cli";
import { validateManifests } from "../helpers/experiment";
import { ApiOptions, CONFIG_MAPS, FakeApi, LOCAL_QUEUES, SECRETS, startFakeApi } from "./fake-api-server";

jest.setTimeout(180_000);

const STACK = "t4-smoke";
const FIRST_RUN = "my-first-run";
const QUEUE = buildExecRun(ROOT, path.join(ROOT, "stacks", `Pulumi.${STACK}.yaml`), {}, "00000").localQueue!;

function exec(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [path.join(ROOT, "tools", "exec.ts"), ...args], { cwd: ROOT, env: { ...process.env, GTC_EXEC_ADMISSION_WAIT_MS: "1000" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function kubeconfigFile(api: { kubeconfig: string }): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-exec-")), "config");
  fs.writeFileSync(file, api.kubeconfig);
  return file;
}

/** A cluster where `pulumi up` has run for the experiment: its LocalQueue, launcher ConfigMap and secret. */
function deployed(experiment: string, more: Partial<ApiOptions> = {}, ns = experiment): ApiOptions {
  return {
    objects: {
      [LOCAL_QUEUES(ns)]: [{ metadata: { name: QUEUE, namespace: ns } }],
      [CONFIG_MAPS(ns)]: [{ metadata: { name: `${experiment}-launcher`, namespace: ns } }],
      [SECRETS(ns)]: [{ metadata: { name: `${experiment}-secret-env`, namespace: ns } }],
    },
    kueue: { admit: true },
    ...more,
  };
}

const posts = (api: FakeApi) => api.requests.filter((r) => r.line.startsWith("POST"));
let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe("npm run exec", () => {
  it("creates the stack's run under a name of its own, labelled as not Pulumi's, queued, with a TTL", async () => {
    api = await startFakeApi(deployed(STACK));
    const run = await exec([STACK, "--kubeconfig", kubeconfigFile(api), "--env", "LR=0.003"]);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    const name = run.stdout.trim();
    expect(name).toMatch(/^t4-smoke-x[0-9a-f]{5}$/);
    expect(run.stderr).toContain(`exec: created Job ${name} on http://127.0.0.1:${api.port} in LocalQueue ${QUEUE}`);
    expect(run.stderr).toContain("exec: admitted by Kueue");
    const [post] = posts(api);
    expect(post.line).toBe(`POST /apis/batch/v1/namespaces/${STACK}/jobs`);
    const job = post.body as { metadata: { labels: Record<string, string>; annotations?: object }; spec: { ttlSecondsAfterFinished: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } } };
    expect(job.metadata.labels).toMatchObject({
      "gpu-training-clusters.io/submitted-by": "exec",
      "app.kubernetes.io/managed-by": "gpu-training-clusters-exec",
      "gpu-training-clusters.io/experiment": STACK,
      "kueue.x-k8s.io/queue-name": QUEUE,
    });
    expect(job.metadata.annotations).toBeUndefined();
    expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
    expect(job.spec.template.metadata.labels["gpu-training-clusters.io/submitted-by"]).toBe("exec");
    const trainer = job.spec.template.spec.containers[0];
    expect(trainer.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(trainer.env).toContainEqual({ name: "LR", value: "0.003" });
    // What was created is what the API server's schemas accept.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-exec-objects-")), "job.yaml");
    fs.writeFileSync(file, stringify(api.store.get(`/apis/batch/v1/namespaces/${STACK}/jobs`)![0]));
    const { status, results } = validateManifests([file]);
    expect({ status, errors: results.flatMap((r) => r.errors) }).toEqual({ status: 0, errors: [] });
  });

  it("ships the workdir as it is now in a ConfigMap owned by the run", async () => {
    api = await startFakeApi(deployed(FIRST_RUN));
    const run = await exec([FIRST_RUN, "--kubeconfig", kubeconfigFile(api)]);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    const name = run.stdout.trim();
    const [job, configMap] = posts(api);
    expect(configMap.line).toBe(`POST ${CONFIG_MAPS(FIRST_RUN)}`);
    expect(configMap.body?.metadata).toMatchObject({ name: `${name}-workdir`, ownerReferences: [{ kind: "Job", name, uid: "uid-1", apiVersion: "batch/v1" }] });
    const volumes = (job.body?.spec?.template as { spec: { volumes: { configMap?: { name: string } }[] } }).spec.volumes;
    expect(volumes.map((v) => v.configMap?.name)).toContain(`${name}-workdir`);
  });

  it("--follow streams rank 0 and exits with the run's result", async () => {
    api = await startFakeApi(deployed(STACK, { pod: { log: "preflight: ok\nstep 1 loss 2.3\n", exitCode: 0 } }));
    const ok = await exec([STACK, "--kubeconfig", kubeconfigFile(api), "--follow"]);
    expect({ status: ok.status, stderr: ok.stderr }).toMatchObject({ status: 0 });
    expect(ok.stdout).toContain("step 1 loss 2.3");
    expect(ok.stderr).toMatch(/exec: run t4-smoke-x[0-9a-f]{5} succeeded/);
    await api.close();
    api = await startFakeApi(deployed(STACK, { pod: { log: "Traceback: boom\n", exitCode: 1 } }));
    const failed = await exec([STACK, "--kubeconfig", kubeconfigFile(api), "-f"]);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain("Traceback: boom");
    expect(failed.stderr).toMatch(/exec: run t4-smoke-x[0-9a-f]{5} failed: PodFailurePolicy/);
  });

  it("says in one line that the LocalQueue is missing, and creates nothing", async () => {
    const options = deployed(STACK);
    api = await startFakeApi({ ...options, objects: { ...options.objects, [LOCAL_QUEUES(STACK)]: [] } });
    const run = await exec([STACK, "--kubeconfig", kubeconfigFile(api)]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`error: the cluster at http://127.0.0.1:${api.port} has no Kueue LocalQueue ${QUEUE} in namespace ${STACK}: run \`pulumi up\` on stack ${STACK} (or the stack that owns the cluster) to create it\n`);
    expect(posts(api)).toEqual([]);
  });

  it("says in one line that Kueue cannot admit the run", async () => {
    api = await startFakeApi(deployed(STACK, { kueue: { inadmissible: `ClusterQueue gpu-training is inactive` } }));
    const run = await exec([STACK, "--kubeconfig", kubeconfigFile(api)]);
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines[lines.length - 1]).toMatch(/^error: Kueue cannot admit run t4-smoke-x[0-9a-f]{5}: ClusterQueue gpu-training is inactive \(the Job stays queued; delete it with kubectl delete job t4-smoke-x[0-9a-f]{5}\)$/);
  });

  it("says in one line that there is no cluster, or that the stack was never deployed there", async () => {
    api = await startFakeApi({ objects: { [LOCAL_QUEUES(STACK)]: [{ metadata: { name: QUEUE } }] } });
    const notDeployed = await exec([STACK, "--kubeconfig", kubeconfigFile(api)]);
    expect(notDeployed.status).toBe(1);
    expect(notDeployed.stderr).toBe(`error: experiment ${STACK} has not been deployed to the cluster at http://127.0.0.1:${api.port} (no ConfigMap ${STACK}-launcher): run \`pulumi up\` on stack ${STACK} once; exec reuses its launcher, volumes and secrets\n`);
    const config = kubeconfigFile(api);
    await api.close();
    api = undefined;
    const gone = await exec([STACK, "--kubeconfig", config]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/^error: cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\n$/);
  });

  it("judges --env as the stack file's env is judged, before contacting the cluster", async () => {
    api = await startFakeApi(deployed(STACK));
    const run = await exec([STACK, "--kubeconfig", kubeconfigFile(api), "--env", "RANK=3"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/experiment\.env\.RANK: is set by torch\.distributed\.run/);
    expect(api.requests).toEqual([]);
  });
});
