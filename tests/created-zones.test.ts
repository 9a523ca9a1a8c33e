/**
 * The zones of an earlier update are read from the subnets it created: those with the cluster tag
 * and the stack's own tags. A subnet someone made by hand for the cluster's load balancers carries
 * the cluster tag too, and must not pin a zone.
 */
import { MAX_ZONES, subnetLayout } from "../components/aws/builders/subnets";
import { awsTags } from "../components/aws/builders/cluster-args";
import { runPlan } from "../tools/plan-runner";
import { resolveStackArg } from "../config/stack-file";
import { PROJECT_DIR } from "./helpers/plan";
import { TEST_NOW } from "./helpers/clock";

jest.setTimeout(120_000);

const SUBNET = "aws:ec2/subnet:Subnet";
const slot0 = subnetLayout("10.0.0.0/16", MAX_ZONES).private[0];
const clusterTag = { "kubernetes.io/cluster/gtc-t4-smoke": "shared", "kubernetes.io/role/internal-elb": "1" };
const plan = (existing: { type: string; name: string; inputs: Record<string, unknown> }[]) =>
  runPlan({ projectDir: PROJECT_DIR, stackFile: resolveStackArg(PROJECT_DIR, "t4-smoke").file, now: TEST_NOW, existing });
const privateZones = (run: Awaited<ReturnType<typeof plan>>) =>
  run.json.resources.filter((r) => r.type === SUBNET && r.name.includes("private")).map((r) => r.inputs.availabilityZone);

describe("the subnets an earlier update created", () => {
  it("keep their zone when they carry the stack's tags", async () => {
    const run = await plan([{ type: SUBNET, name: "earlier", inputs: { cidrBlock: slot0, availabilityZone: "us-east-1f", tags: { ...clusterTag, ...awsTags("t4-smoke", "gtc-t4-smoke") } } }]);
    expect(privateZones(run)[0]).toBe("us-east-1f");
  });

  it("are not confused with a subnet that has only the cluster tag (one made by hand for load balancers)", async () => {
    const run = await plan([{ type: SUBNET, name: "by-hand", inputs: { cidrBlock: slot0, availabilityZone: "us-east-1f", tags: clusterTag } }]);
    expect(privateZones(run)).not.toContain("us-east-1f");
  });
});
