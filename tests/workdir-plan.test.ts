/**
 * The plan of a stack with a workdir and setup: it carries both, is identical when nothing
 * changed, and changes (a new Job spec, so a new run) when one file of the directory changes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack, PROJECT_DIR } from "./helpers/plan";
import type { PlanRun } from "../tools/plan-runner";
import { experimentSchema } from "../config/schema";
import { dnsLabelProblems } from "../config/names";
import { workdirConfigMapName } from "../k8s/workdir";

const EXAMPLE = path.join(PROJECT_DIR, "examples", "my-first-run");
const SETUP = "pip install -r requirements.txt";

function stackWithWorkdir(workdir: string, setup = SETUP): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-stack-"));
  const file = path.join(dir, "Pulumi.mine.yaml");
  const t4 = fs.readFileSync(path.join(PROJECT_DIR, "stacks", "Pulumi.t4-smoke.yaml"), "utf8");
  fs.writeFileSync(
    file,
    t4.replace("    maxRunTimeMinutes: 30", `    maxRunTimeMinutes: 30\n    workdir: ${workdir}\n    script: train.py\n    setup: ${setup}`),
  );
  return file;
}

function copyOfExample(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-code-"));
  for (const f of fs.readdirSync(EXAMPLE)) fs.copyFileSync(path.join(EXAMPLE, f), path.join(dir, f));
  return dir;
}

function job(run: PlanRun): any {
  return run.json.resources.find((r) => r.type === "kubernetes:batch/v1:Job")!.inputs;
}

function workdirConfigMap(run: PlanRun): any {
  return run.json.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).binaryData)!.inputs;
}

function archiveVolume(run: PlanRun): string {
  return job(run).spec.template.spec.volumes.find((v: any) => v.name === "workdir-archive").configMap.name;
}

describe("plan of a stack with a workdir", () => {
  it("carries the setup and the archive, is identical when nothing changed, and changes with one file", async () => {
    const code = copyOfExample();
    const stack = stackWithWorkdir(code);
    const first = await planStack(stack);
    const again = await planStack(stack);
    expect(JSON.stringify(again.json)).toBe(JSON.stringify(first.json));
    expect(again.text).toBe(first.text);

    const trainer = job(first).spec.template.spec.containers[0];
    expect(trainer.args).toContain(`--setup=${SETUP}`);
    expect(trainer.args).toContain("/workdir/train.py");
    const sha = first.plan.experiment!.workdir!.sha256;
    expect(job(first).spec.template.metadata.annotations["gpu-training-clusters.io/workdir-sha256"]).toBe(sha);
    expect(first.text).toContain(`setup 1/1: ${SETUP}`);
    expect(first.text).toMatch(new RegExp(`workdir: ${code} -> 3 files, .* sha256 ${sha}`));
    expect(first.json.outputs.summary).toMatchObject({ experiment: { setup: [SETUP], workdir: { sha256: sha, files: expect.arrayContaining([{ path: "train.py", bytes: expect.any(Number) }]) } } });
    const configMap = workdirConfigMap(first);
    expect(configMap.binaryData["workdir.tar.gz"]).toMatch(/^H4sI/); // base64 of a gzip header
    // Named after its archive and never updated in place; the pod mounts that very one.
    expect(configMap.metadata.name).toBe(`t4-smoke-workdir-${sha.slice(0, 10)}`);
    expect(configMap.immutable).toBe(true);
    expect(archiveVolume(first)).toBe(configMap.metadata.name);

    fs.appendFileSync(path.join(code, "train.py"), "# a changed comment\n");
    const changed = await planStack(stack);
    expect(changed.plan.experiment!.workdir!.sha256).not.toBe(sha);
    expect(JSON.stringify(job(changed).spec)).not.toBe(JSON.stringify(job(first).spec));
    expect(workdirConfigMap(changed).metadata.name).toBe(`t4-smoke-workdir-${changed.plan.experiment!.workdir!.sha256.slice(0, 10)}`);
    expect(archiveVolume(changed)).toBe(workdirConfigMap(changed).metadata.name);
    expect(workdirConfigMap(changed).metadata.name).not.toBe(configMap.metadata.name);
  });

  it("keeps the longest workdir ConfigMap name a valid Kubernetes name", () => {
    const longest = "e".repeat((experimentSchema.shape.name as unknown as { maxLength: number }).maxLength);
    expect(longest).toHaveLength(40);
    expect(dnsLabelProblems(workdirConfigMapName(longest, "f".repeat(64)))).toEqual([]);
  });

  it("doubles each $ of a setup command in the pod's arguments, which the kubelet would expand, and nothing else", async () => {
    const setup = 'echo $HOME "$(pwd)"';
    const run = await planStack(stackWithWorkdir(copyOfExample(), `'${setup}'`));
    const trainer = job(run).spec.template.spec.containers[0];
    expect(trainer.args).toContain('--setup=echo $$HOME "$$(pwd)"');
    expect(run.plan.experiment!.setup).toEqual([setup]);
    expect(run.text).toContain(`setup 1/1: ${setup}`);
  });

  it("resolves a relative workdir against the project directory, wherever the stack file is", async () => {
    const run = await planStack(path.join(PROJECT_DIR, "tests", "fixtures", "Pulumi.first-run-local.yaml"));
    expect(run.plan.experiment!.workdir).toMatchObject({ path: "examples/my-first-run", files: expect.arrayContaining([expect.objectContaining({ path: "train.py" })]) });
  });

  it("stops before any resource when the workdir does not exist", async () => {
    await expect(planStack(stackWithWorkdir("no/such/dir"))).rejects.toThrow(
      `experiment.workdir: is not a directory (got "no/such/dir", which resolves to ${path.join(PROJECT_DIR, "no/such/dir")}; a relative workdir is relative to the project directory ${PROJECT_DIR})`,
    );
  });
});
