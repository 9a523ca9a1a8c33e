import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { listStacks } from "../config/stack-file";
import { writePlan } from "../tools/plan-runner";
import { PROJECT_DIR, planStack } from "./helpers/plan";

const EXAMPLES = ["t4-smoke", "a100-8gpu", "a100-2x8", "rtx4090-hybrid", "rtx4090-existing", "shared-cluster", "shared-t4-sweep"];

describe("the example stacks", () => {
  it("are all present in stacks/", () => {
    expect(listStacks(PROJECT_DIR)).toEqual(expect.arrayContaining(EXAMPLES));
  });

  it.each(listStacks(PROJECT_DIR))("%s plans cleanly and writes plan.json and manifests", async (stack) => {
    const run = await planStack(stack);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${stack}-`));
    writePlan(run, out);
    const json = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
    expect(json.stack).toBe(stack);
    expect(json.resources.length).toBeGreaterThan(0);
    for (const r of json.resources) {
      expect(typeof r.type).toBe("string");
      expect(typeof r.name).toBe("string");
      expect(typeof r.inputs).toBe("object");
    }
    expect(json.outputs.summary.stack).toBe(stack);
    const files = fs.readdirSync(path.join(out, "manifests")).sort();
    expect(files).toEqual(run.manifests.map((m) => m.file).sort());
    for (const f of files) {
      const object = parse(fs.readFileSync(path.join(out, "manifests", f), "utf8"));
      expect(object).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
    }
    expect(run.text).toContain(`Stack ${stack}`);
  });
});

describe("plan contents", () => {
  it("resolves the cuda12.1 request of shared-t4-sweep to the CUDA 12.8 build and says why", async () => {
    const run = await planStack("shared-t4-sweep");
    expect(run.plan.experiment?.image.resolved).toBe("pytorch-2.8-cuda12.8");
    expect(run.plan.experiment?.image.reference).toBe(
      "docker.io/pytorch/pytorch@sha256:417bd75df6365104c283ea4c1651fb3530d9eb5a4c2fafa51943cff2a94e6385",
    );
    expect(run.text).toContain("PyTorch 2.8 publishes no CUDA 12.1 build");
  });

  it("never puts the kubeconfig of a reused cluster in plain text", async () => {
    // The reference answers with the cluster stack's own plan outputs, where the kubeconfig is secret.
    const run = await planStack("shared-t4-sweep");
    expect(JSON.stringify(run.json)).not.toContain("certificate-authority-data");
    expect(JSON.stringify(run.json)).not.toContain("bW9jay1jYQ==");
  });

  it("shows the cheapest instance choice and its reason", async () => {
    const run = await planStack("t4-smoke");
    expect(run.plan.pools[0].instance?.type).toBe("g4dn.xlarge");
    expect(run.text).toContain("why: cheapest NVIDIA T4 type with >= 1 GPU at $0.526/h; next: g4dn.2xlarge at $0.752/h");
  });
});
