/**
 * `npm run dev` as a user runs it (tsx tools/dev.ts --no-shell), against the stand-in API server of
 * the exec tests (tests/exec/fake-api-server.ts): the Job it creates, its labels, queue and idle
 * limit, checked against the Kubernetes schemas. The shell and the port-forwards go over the exec
 * and portforward websockets, which the stand-in does not serve: those are not tested here.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { buildDevPod } from "../../tools/dev";
import { buildStatus } from "../../status/report";
import { renderStatus } from "../../status/render";
import type { Job } from "../../status/objects";
import { loadStack } from "../helpers/experiment";
import { renderPlan } from "../../plan/render";
import { problemsOf, load } from "../helpers/config";
import { ROOT, TSX } from "../helpers/cli";
import { validateManifests } from "../helpers/experiment";
import { ApiOptions, CONFIG_MAPS, FakeApi, LOCAL_QUEUES, SECRETS, startFakeApi } from "./fake-api-server";

jest.setTimeout(180_000);

const STACK = "my-first-run";
const built = buildDevPod(ROOT, path.join(ROOT, "stacks", `Pulumi.${STACK}.yaml`), "00000");
const QUEUE = built.localQueue!;

function dev(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [path.join(ROOT, "tools", "dev.ts"), ...args], { cwd: ROOT, env: { ...process.env, GTC_EXEC_ADMISSION_WAIT_MS: "1000" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function deployed(launcherData: Record<string, string>): ApiOptions {
  return {
    objects: {
      [LOCAL_QUEUES(STACK)]: [{ metadata: { name: QUEUE, namespace: STACK } }],
      [CONFIG_MAPS(STACK)]: [{ metadata: { name: `${STACK}-launcher`, namespace: STACK }, data: launcherData }],
      [SECRETS(STACK)]: [{ metadata: { name: `${STACK}-secret-env`, namespace: STACK } }],
    },
    kueue: { admit: true },
  };
}

const kubeconfigFile = (api: FakeApi) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-dev-")), "config");
  fs.writeFileSync(file, api.kubeconfig);
  return file;
};

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

type Container = { command: string[]; args: string[]; ports: { containerPort: number }[]; resources: { limits: Record<string, string> } };
type DevJob = {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { backoffLimit: number; podFailurePolicy?: object; ttlSecondsAfterFinished: number; parallelism?: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } };
};

describe("npm run dev", () => {
  it("creates a Kueue-queued Job of one pod that runs the idle-limited entrypoint, with the experiment's GPUs and workdir", async () => {
    api = await startFakeApi(deployed({ "dev_idle.py": "# the launcher's file" }));
    const run = await dev([STACK, "--kubeconfig", kubeconfigFile(api), "--no-shell"]);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    const name = run.stdout.trim();
    expect(name).toMatch(/^my-first-run-d[0-9a-f]{5}$/);
    expect(run.stderr).toContain(`dev: created Job ${name} on http://127.0.0.1:${api.port} in LocalQueue ${QUEUE}; it ends after 30 idle minutes`);
    const [post, workdir] = api.requests.filter((r) => r.line.startsWith("POST"));
    expect(post.line).toBe(`POST /apis/batch/v1/namespaces/${STACK}/jobs`);
    const job = post.body as unknown as DevJob;
    expect(job.metadata.labels).toMatchObject({
      "gpu-training-clusters.io/submitted-by": "dev",
      "gpu-training-clusters.io/experiment": STACK,
      "kueue.x-k8s.io/queue-name": QUEUE,
      "app.kubernetes.io/managed-by": "gpu-training-clusters-exec",
    });
    expect(job.metadata.annotations["gpu-training-clusters.io/dev-idle-minutes"]).toBe("30");
    expect(job.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 600 });
    expect(job.spec.podFailurePolicy).toBeUndefined();
    expect(job.spec.template.metadata.labels["gpu-training-clusters.io/submitted-by"]).toBe("dev");
    const [container] = job.spec.template.spec.containers;
    expect(container.command).toEqual(["python3", "/opt/gtc/dev_idle.py"]);
    expect(container.args[0]).toBe("--idle-minutes=30");
    expect(container.args.slice(1).map((a) => a.split("=")[0])).toEqual(["--workdir", "--workdir-archive", "--workdir-sha256"]);
    expect(container.ports.map((p) => p.containerPort)).toEqual([8888, 6006]);
    expect(container.resources.limits["nvidia.com/gpu"]).toBe("1");
    // The workdir travels as exec's does: a ConfigMap of the pod's own, owned by its Job.
    expect(workdir.line).toBe(`POST ${CONFIG_MAPS(STACK)}`);
    expect(workdir.body?.metadata).toMatchObject({ name: `${name}-workdir`, ownerReferences: [{ kind: "Job", name }] });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-dev-objects-")), "job.yaml");
    fs.writeFileSync(file, stringify(api.store.get(`/apis/batch/v1/namespaces/${STACK}/jobs`)![0]));
    const { status, results } = validateManifests([file]);
    expect({ status, errors: results.flatMap((r) => r.errors) }).toEqual({ status: 0, errors: [] });
  });

  it("a cluster whose launcher predates the dev entrypoint: one line, nothing created", async () => {
    api = await startFakeApi(deployed({ "launch.py": "#" }));
    const run = await dev([STACK, "--kubeconfig", kubeconfigFile(api), "--no-shell"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`error: the launcher ConfigMap ${STACK}-launcher on http://127.0.0.1:${api.port} has no dev_idle.py: run \`pulumi up\` on stack ${STACK} once with this version of the project\n`);
    expect(api.requests.filter((r) => r.line.startsWith("POST"))).toEqual([]);
  });

  it("is one node of the experiment, whatever the run's size", () => {
    const multi = buildDevPod(ROOT, path.join(ROOT, "tests", "fixtures", "Pulumi.first-run-2nodes.yaml"), "00000");
    expect(multi.run.kind).toBe("Job");
    expect(multi.run.name).toBe("first-run-2nodes-d00000");
    expect((multi.run.object as { spec: { completions?: number } }).spec.completions ?? 1).toBe(1);
  });

  it("the plan and npm run status state the idle limit; it is configurable within 1-1440 minutes", () => {
    expect(renderPlan(loadStack(STACK).plan)).toContain(
      `dev: \`npm run dev -- ${STACK}\` starts an interactive pod of this experiment on one node of pool`,
    );
    expect(renderPlan(loadStack(STACK).plan)).toMatch(/it ends, freeing its GPUs, after 30 idle minutes \(experiment\.dev\.idleMinutes\)/);
    const now = new Date("2026-12-01T12:00:00Z");
    const job = { ...(built.run.object as object), metadata: { ...(built.run.object.metadata as object), creationTimestamp: now.toISOString(), uid: "u" } } as unknown as Job;
    const status = buildStatus({ experiment: STACK, namespace: STACK, jobs: [job], jobSets: [], pods: [], nodes: new Map(), workloads: [], logs: new Map() }, now)!;
    expect(renderStatus(status, now).split("\n")[0]).toBe(`experiment ${STACK}  (Job ${STACK}/${built.run.name}, the interactive pod of npm run dev, ending after 30 idle minutes)`);
    const pools = [{ name: "t4", gpu: "t4" }];
    expect(load({ nodePools: pools, experiment: { name: "e", pool: "t4", dev: { idleMinutes: 5 } } }).experiment?.dev.idleMinutes).toBe(5);
    expect(problemsOf(() => load({ nodePools: pools, experiment: { name: "e", pool: "t4", dev: { idleMinutes: 0 } } }))[0]).toMatch(/^experiment\.dev\.idleMinutes: /);
  });
});
