/**
 * The plan of a stack with a workdir and setup: it carries both, is identical when nothing
 * changed, and changes (a new Job spec, so a new run) when one file of the directory changes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack, PROJECT_DIR } from "./helpers/plan";
import type { PlanRun } from "../tools/plan-runner";

const EXAMPLE = path.join(PROJECT_DIR, "examples", "my-first-run");
const SETUP = "pip install -r requirements.txt";

function stackWithWorkdir(workdir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-stack-"));
  const file = path.join(dir, "Pulumi.mine.yaml");
  const t4 = fs.readFileSync(path.join(PROJECT_DIR, "stacks", "Pulumi.t4-smoke.yaml"), "utf8");
  fs.writeFileSync(
    file,
    t4.replace("    maxRunTimeMinutes: 30", `    maxRunTimeMinutes: 30\n    workdir: ${workdir}\n    script: train.py\n    setup: ${SETUP}`),
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
    const configMap = first.json.resources.find((r) => r.name === "mine-workdir" || (r.inputs as any).metadata?.name === "t4-smoke-workdir");
    expect((configMap!.inputs as any).binaryData["workdir.tar.gz"]).toMatch(/^H4sI/); // base64 of a gzip header

    fs.appendFileSync(path.join(code, "train.py"), "# a changed comment\n");
    const changed = await planStack(stack);
    expect(changed.plan.experiment!.workdir!.sha256).not.toBe(sha);
    expect(JSON.stringify(job(changed).spec)).not.toBe(JSON.stringify(job(first).spec));
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
