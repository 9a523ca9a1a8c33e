/**
 * Golden files of the experiment objects. Stacks on a cluster they do not create go through the
 * whole program (offline plan); the create-mode examples' experiment objects are built from their
 * pure inputs, so their golden files hold the experiment alone, not the cluster's own objects
 * (tests/job-stacks.test.ts runs them through the program). Refresh with
 * `UPDATE_GOLDEN=1 npx jest tests/golden.test.ts`.
 */
import * as path from "path";
import { asRecorded, compareGolden, goldenFiles } from "./helpers/golden";
import { FIXTURE_STACKS, kubernetesObjects, pureObjects } from "./helpers/experiment";
import { planStack } from "./helpers/plan";

const THROUGH_PROGRAM: Record<string, string> = {
  "rtx4090-existing": "rtx4090-existing",
  "shared-t4-sweep": "shared-t4-sweep",
  "reuse-a100-2x8": path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml"),
};
const PURE = ["a100-8gpu", "a100-2x8", "t4-smoke", "rtx4090-hybrid"];

function expectSame(stack: string, actual: Record<string, string>) {
  const golden = compareGolden(stack, actual);
  expect(Object.keys(golden.actual).sort()).toEqual(Object.keys(golden.expected).sort());
  for (const file of Object.keys(golden.expected)) {
    // One assertion per file, so a failure names the file that changed.
    expect({ file, text: golden.actual[file] }).toEqual({ file, text: golden.expected[file] });
  }
}

describe("golden files", () => {
  it.each(Object.keys(THROUGH_PROGRAM))("%s (through the program)", async (stack) => {
    const run = await planStack(THROUGH_PROGRAM[stack]);
    expectSame(stack, goldenFiles(run.resources));
  });

  it.each(PURE)("%s (pure builders)", (stack) => {
    expectSame(`${stack}.pure`, goldenFiles(asRecorded(kubernetesObjects(pureObjects(stack).objects))));
  });
});
