/** Every problem at once: a realistic stack file with six slips, each found by a different rule, takes one round. */
import * as path from "path";
import { checkStackFile } from "../checks";
import { ConfigError } from "../config/errors";
import { PROJECT_DIR } from "./helpers/plan";

it("names all six slips of tests/fixtures/slips/Pulumi.six-slips.yaml in one round", () => {
  let problems: string[] = [];
  try {
    checkStackFile(PROJECT_DIR, path.join(PROJECT_DIR, "tests/fixtures/slips/Pulumi.six-slips.yaml"), "gpu-training-clusters");
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems = e.problems.map((p) => p.path);
  }
  expect(problems.sort()).toEqual(
    [
      "experiment.maxRunTimeMinutes", // schema
      "nodePools[0].gpusPerNode", // pool rule
      "experiment.env.RANK", // torchrun's own variables
      "experiment.datasets[0].source.bucket", // S3 bucket naming
      "experiment.setup", // exec-form list
      "experiment.workdir", // workdir files
    ].sort(),
  );
});
