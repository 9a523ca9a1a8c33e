import { buildPlan } from "../../plan/plan";
import { awsTags, gpuClusterArgs } from "../../components/aws/builders/cluster-args";
import { load } from "../helpers/config";

describe("GPU cluster arguments", () => {
  it("splits a create-mode stack's pools into managed node groups and hybrid pools", () => {
    const spec = load({
      cluster: { mode: "create", endpoint: { privateAccess: false }, hybrid: { remoteNodeCidrs: ["192.168.10.0/24"] } },
      nodePools: [
        { name: "t4", gpu: "t4", maxNodes: 2 },
        { name: "lab", gpu: "rtx4090", kind: "hybrid", maxNodes: 3 },
      ],
    });
    const args = gpuClusterArgs(spec, buildPlan(spec));
    expect(args.clusterName).toBe("gtc-test");
    expect(args.managedPools.map((p) => [p.pool.name, p.instance.type])).toEqual([["t4", "g4dn.xlarge"]]);
    expect(args.hybridPools.map((p) => [p.name, p.maxNodes])).toEqual([["lab", 3]]);
    expect(args.tags).toEqual(awsTags("test", "gtc-test"));
    expect(args.tags).toEqual({ "gtc:stack": "test", "gtc:cluster": "gtc-test", "gtc:managed-by": "pulumi" });
  });

  it("refuses a stack that creates no cluster", () => {
    const spec = load({ cluster: { mode: "existing" }, nodePools: [{ name: "r", gpu: "rtx4090" }] });
    expect(() => gpuClusterArgs(spec, buildPlan(spec))).toThrow('needs cluster.mode "create" (got "existing")');
  });
});
