/** A torch pinned in setup or in a requirements file the setup installs gets a line from the compatibility gate. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkStack } from "../checks";
import { requirementFiles, torchPinsInRequirements, torchPinsInSetup } from "../plan/torch-pins";
import { buildPlan } from "../plan/plan";
import { load, raw } from "./helpers/config";

const T4 = { name: "t4", gpu: "t4", maxNodes: 1 };

describe("torch pins", () => {
  it("finds exact pins in pip commands and requirement lines, and the requirement files setup installs", () => {
    expect(torchPinsInSetup(["pip install torch==2.7.1 torchvision", "echo torch==1.0", "uv pip install 'torch===2.8.0+cpu'"], (i) => `s[${i}]`)).toEqual([
      { where: "s[0]", version: "2.7.1" },
      { where: "s[2]", version: "2.8.0+cpu" },
    ]);
    expect(torchPinsInRequirements("r.txt", "# deps\nnumpy==2.1.0\ntorch == 2.6.0 ; python_version >= '3.10'\ntorchvision==0.23.0\n")).toEqual([{ where: "r.txt line 3", version: "2.6.0" }]);
    expect(requirementFiles(["pip install -r requirements.txt", "pip install --requirement=extra.txt && echo ok", "cat -r x.txt"])).toEqual(["requirements.txt", "extra.txt"]);
  });

  it("notes a setup pin that differs from the image's build on the experiment's verdict, and not one that matches it", () => {
    const plan = buildPlan(load({ nodePools: [T4], experiment: { name: "e", pool: "t4", setup: ["pip install torch==2.7.1"] } }));
    expect(plan.verdicts[0].status).toBe("warning");
    expect(plan.verdicts[0].notes).toContain(
      "experiment.setup pins torch 2.7.1, but the image pytorch-2.8-cuda12.8 has torch 2.8.0 built for CUDA 12.8: pip replaces it in every pod with a wheel this gate has not checked (its CUDA runtime and arch list decide whether it runs on this GPU and driver). Pin torch==2.8.0, or drop the pin",
    );
    const same = buildPlan(load({ nodePools: [T4], experiment: { name: "e", pool: "t4", setup: ["pip install torch==2.8.0+cu128"] } }));
    expect(same.verdicts[0].notes.join("\n")).not.toMatch(/pins torch/);
  });

  it("reads the requirements file of the workdir that setup installs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pins-"));
    fs.writeFileSync(path.join(dir, "train.py"), "print('hi')\n");
    fs.writeFileSync(path.join(dir, "requirements.txt"), "wandb==0.21.4\ntorch==2.8.0+cpu\n");
    const verdict = checkStack({
      raw: raw({ nodePools: [T4], experiment: { name: "e", pool: "t4", workdir: dir, script: "train.py", setup: "pip install -r requirements.txt" } }, { "aws:region": "us-east-1" }),
      load: { stack: "pins" },
      projectDir: dir,
    });
    expect(verdict.plan.verdicts[0].notes).toContainEqual(expect.stringMatching(/^requirements\.txt line 2 of the workdir pins torch 2\.8\.0\+cpu, but the image pytorch-2\.8-cuda12\.8 has torch 2\.8\.0 built for CUDA 12\.8/));
  });
});
