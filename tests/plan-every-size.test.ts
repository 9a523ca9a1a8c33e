/**
 * Every instance size of the catalog plans offline through the real program (npm run plan's
 * path): the mock account answers each data source, the gate, EFA and the quotas pass, and the
 * node group gets the type.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { INSTANCES } from "../catalog/instances";
import { ofType, planStack } from "./helpers/plan";

jest.setTimeout(600_000);

it("plans a one-node pool of every instance size, as the EC2 API describes it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sizes-"));
  const failures: string[] = [];
  for (const i of INSTANCES) {
    const file = path.join(dir, `Pulumi.s-${i.type.replace(/\./g, "-")}.yaml`);
    fs.writeFileSync(
      file,
      [
        "config:",
        "  aws:region: us-east-1",
        "  gpu-training-clusters:nodePools:",
        `    - { name: p, gpu: ${i.gpu}, instanceType: ${i.type}, gpusPerNode: ${i.gpus}, maxNodes: 1 }`,
        `  gpu-training-clusters:experiment: { name: e, pool: p, gpusPerNode: ${i.gpus} }`,
        "",
      ].join("\n"),
    );
    try {
      const run = await planStack(file);
      const groups = ofType(run, "aws:eks/nodeGroup:NodeGroup").filter((g) => g.name.includes("pool-p"));
      const lt = ofType(run, "aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name.includes("pool-p"));
      const types = [...groups.map((g) => g.inputs.instanceTypes), lt?.inputs.instanceType].flat().filter((t) => t !== undefined);
      if (!types.includes(i.type)) failures.push(`${i.type}: node group types ${JSON.stringify(types)}`);
      const api = (run.plan as unknown as { deploy: { api: { lines: string[] } } }).deploy.api.lines.join("\n");
      if (!api.includes(`${i.type} (pool p): ${i.gpus} x`)) failures.push(`${i.type}: no API line`);
    } catch (e) {
      failures.push(`${i.type}: ${(e as Error).message.split("\n").slice(0, 2).join(" ")}`);
    }
  }
  expect(failures).toEqual([]);
});
