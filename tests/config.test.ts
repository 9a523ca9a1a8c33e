import { GPU_TYPES } from "../catalog/gpus";
import { parseStackFile } from "../config/stack-file";
import { T4_POOL, load, problemsOf, raw } from "./helpers/config";
import { collectStack, loadStackSpec } from "../config/load";

describe("stack description: defaults", () => {
  it("resolves every default once", () => {
    const spec = load({ nodePools: [{ name: "t4", gpu: "t4" }], experiment: { name: "exp", pool: "t4" } });
    expect(spec.cluster).toMatchObject({ mode: "create", kubernetesVersion: "1.35", supportType: "STANDARD", admins: [], vpcCidr: "10.0.0.0/16", endpoint: { publicAccess: true, privateAccess: true } });
    expect(spec.pools[0]).toMatchObject({ kind: "managed", gpusPerNode: 1, minNodes: 0, maxNodes: 1, capacity: "on-demand", diskGiB: 200 });
    expect(spec.pools[0].nodeSelector).toEqual({ "gpu-training-clusters.io/pool": "t4" });
    expect(spec.experiment).toMatchObject({ nodes: 1, gpusPerNode: 1, script: "/opt/gtc/smoke.py", args: ["--seconds", "60"], maxRunTimeMinutes: 1440 });
    expect(spec.experiment?.image.key).toBe("pytorch-2.8-cuda12.8");
    expect(spec.idle).toEqual({ nodeIdleMinutes: 5, clusterIdleMinutes: 60, protected: false });
    expect(spec.region).toBe("us-east-1");
  });

  it("takes the region from aws:region", () => {
    const spec = loadStackSpec(raw({}, { "aws:region": "eu-west-1" }), { stack: "s" });
    expect(spec.region).toBe("eu-west-1");
  });

  it("requires aws:region of a stack that creates AWS resources, and only of those", () => {
    expect(problemsOf(() => load({}, {}, null))).toEqual(["aws:region: is required: this stack creates an EKS cluster (got nothing; e.g. aws:region: us-east-1)"]);
    const s3 = { name: "d", mountPath: "/data", source: { type: "s3", bucket: "my-data" } };
    expect(problemsOf(() => load({ cluster: { mode: "reuse", stack: "base" }, experiment: { name: "e", pool: "t4", datasets: [s3] } }, { base: raw({ nodePools: [T4_POOL] }) }, null))).toEqual([
      "aws:region: is required: this stack creates the IAM role its S3 volumes mount with (got nothing; e.g. aws:region: us-east-1)",
    ]);
    expect(load({ cluster: { mode: "existing" } }, {}, null).region).toBe("us-east-1");
  });

  it("defaults pools of an existing cluster to kind existing", () => {
    const spec = load({ cluster: { mode: "existing" }, nodePools: [{ name: "r", gpu: "rtx4090", gpusPerNode: 4 }] });
    expect(spec.pools[0].kind).toBe("existing");
  });
});

describe("stack description: errors name the field, the value and what is allowed", () => {
  it("rejects unknown keys at every level, listing the allowed ones", () => {
    expect(problemsOf(() => load({ clutser: {} }))).toEqual([
      "gpu-training-clusters:clutser: unknown key (allowed: gpu-training-clusters:cluster, gpu-training-clusters:nodePools, gpu-training-clusters:experiment, gpu-training-clusters:idle, gpu-training-clusters:secretEnv, gpu-training-clusters:queueing); did you mean \"gpu-training-clusters:cluster\"?",
    ]);
    expect(problemsOf(() => load({ nodePools: [{ ...T4_POOL, colour: "red" }] }))).toEqual([
      "nodePools[0].colour: unknown key (allowed: name, gpu, kind, gpusPerNode, instanceType, minNodes, maxNodes, capacity, diskGiB, driverVersion, nodeSelector, hostPathPrefixes)",
    ]);
    expect(problemsOf(() => load({ cluster: { mode: "existing", kubeconfig: "x" } }))).toEqual([
      "cluster.kubeconfig: unknown key (allowed: mode, kubeconfigPath, context, installDevicePlugin, runtimeClassName); did you mean \"kubeconfigPath\"?",
    ]);
  });

  it("reports type errors and enum errors with the value", () => {
    expect(
      problemsOf(() => load({ nodePools: [{ name: "a", gpu: "t5", gpusPerNode: "8" }], idle: { nodeIdleMinutes: 0 } })),
    ).toEqual([
      `nodePools[0].gpu: is not allowed (got "t5"; allowed: ${GPU_TYPES.map((g) => JSON.stringify(g)).join(", ")}); did you mean "t4"?`,
      'nodePools[0].gpusPerNode: must be a number (got string "8")',
      "idle.nodeIdleMinutes: must be at least 1 (got 0)",
    ]);
  });

  it("reports a missing required field and a bad discriminator", () => {
    // A missing name hides nothing else: the pool, which no nodePools defines, is reported too.
    expect(problemsOf(() => load({ experiment: { pool: "t4" } }))).toEqual(["experiment.name: is required (expected string)", 'experiment.pool: names no pool (got "t4"; allowed: none — define nodePools)']);
    expect(problemsOf(() => load({ cluster: { mode: "borrow" } }))).toEqual(['cluster.mode: is not allowed (got "borrow"; allowed: "create", "reuse", "existing")']);
  });

  it("reports every problem at once, not the first", () => {
    const problems = problemsOf(() =>
      load({
        nodePools: [
          { name: "a100", gpu: "a100-40gb", gpusPerNode: 16 },
          { name: "r", gpu: "rtx4090" },
          { name: "r", gpu: "t4", minNodes: 3, maxNodes: 2 },
        ],
      }),
    );
    expect(problems).toEqual([
      "nodePools[0].gpusPerNode: 16 exceeds the 8 GPUs of p4d.24xlarge (allowed 1-8; use nodes: 2 in the experiment for 16 GPUs)",
      'nodePools[1].gpu: "rtx4090" (NVIDIA GeForce RTX 4090) has no EC2 instance type, so a managed pool cannot provide it (allowed: a100-40gb, a100-80gb, t4, a10g, l4, l40s, h100, h200, b200; or kind: hybrid to join machines outside AWS, or an existing cluster)',
      'nodePools[2].name: duplicates another pool (got "r"; pool names must be unique)',
      "nodePools[2].minNodes: must not exceed maxNodes (got 3 > 2)",
    ]);
  });

  it("checks names after every suffix the program adds", () => {
    const name = `e${"x".repeat(39)}`; // 40 characters: allowed alone
    const ok = load({ nodePools: [T4_POOL], experiment: { name, pool: "t4" } });
    expect(ok.experiment?.name).toBe(name);
    const problems = problemsOf(() =>
      load({ nodePools: [T4_POOL], experiment: { name, pool: "t4", datasets: [{ name: `d${"y".repeat(29)}`, mountPath: "/data", source: { type: "s3", bucket: "my-data" } }] } }),
    );
    expect(problems).toEqual([`experiment.datasets[0].name: gives the volume name "${name}-d${"y".repeat(29)}", which is 71 characters (at most 63)`]);
  });

  it("refuses reserved torchrun variables and reserved mount paths", () => {
    const problems = problemsOf(() =>
      load({ nodePools: [T4_POOL], experiment: { name: "e", pool: "t4", env: { MASTER_ADDR: "x", TORCHELASTIC_MAX_RESTARTS: "3", OK: "1" }, datasets: [{ name: "d", mountPath: "/dev/shm", source: { type: "pvc", claimName: "c" } }] } }),
    );
    expect(problems[0]).toMatch(/^experiment\.env\.MASTER_ADDR: is set by torch\.distributed\.run for every worker and cannot be overridden/);
    expect(problems[1]).toMatch(/^experiment\.env\.TORCHELASTIC_MAX_RESTARTS: /);
    expect(problems[2]).toBe('experiment.datasets[0].mountPath: is reserved for the launcher (got "/dev/shm"; reserved: /dev/shm, /opt/gtc, /workdir, /opt/gtc-workdir)');
  });

  it("requires the experiment's pool to exist", () => {
    expect(problemsOf(() => load({ nodePools: [T4_POOL], experiment: { name: "e", pool: "a100" } }))).toEqual(['experiment.pool: names no pool (got "a100"; allowed: t4)']);
  });

  it("validates hybrid networks: RFC 1918 and no overlap with the VPC or service CIDR", () => {
    const problems = problemsOf(() =>
      load({ cluster: { mode: "create", endpoint: { privateAccess: false }, hybrid: { remoteNodeCidrs: ["10.0.128.0/24", "8.8.8.0/24"], remotePodCidrs: ["172.20.1.0/24"] } } }),
    );
    expect(problems).toEqual([
      'cluster.hybrid.remoteNodeCidrs[1]: must be a private RFC 1918 range (got "8.8.8.0/24"; allowed within 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)',
      'cluster.hybrid.remoteNodeCidrs[0]: overlaps cluster.vpcCidr (got "10.0.128.0/24" and "10.0.0.0/16"; the networks must be disjoint)',
      'cluster.hybrid.remotePodCidrs[0]: overlaps cluster.serviceCidr (got "172.20.1.0/24" and "172.20.0.0/16"; the networks must be disjoint)',
    ]);
  });

  it("requires hybrid networks for hybrid pools", () => {
    expect(problemsOf(() => load({ nodePools: [{ name: "r", gpu: "rtx4090", kind: "hybrid" }] }))).toEqual([
      'nodePools[0].kind: "hybrid" needs cluster.hybrid.remoteNodeCidrs (the on-premises network the machines join from)',
    ]);
  });

  it("takes a reused cluster's pools from its stack file, and refuses pools of its own", () => {
    const cluster = raw({ nodePools: [T4_POOL] });
    const spec = load({ cluster: { mode: "reuse", stack: "base" }, experiment: { name: "e", pool: "t4" } }, { base: cluster });
    expect(spec.pools.map((p) => p.name)).toEqual(["t4"]);
    expect(problemsOf(() => load({ cluster: { mode: "reuse", stack: "nope" }, experiment: { name: "e", pool: "t4" } }))).toEqual([
      'cluster.stack: names no stack of this project (got "nope"; expected a file stacks/Pulumi.nope.yaml)',
    ]);
    expect(problemsOf(() => load({ cluster: { mode: "reuse", stack: "base" }, nodePools: [T4_POOL] }, { base: cluster }))[0]).toBe(
      'nodePools: must be empty with cluster.mode "reuse" (got 1 pools; the pools belong to stack "base")',
    );
  });
});

describe("stack files", () => {
  it("reports YAML syntax errors with line and column", () => {
    expect(problemsOf(() => parseStackFile("config:\n  a:b: [1,\n", "Pulumi.x.yaml", "x"))[0]).toMatch(/^Pulumi\.x\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it("rejects unknown top-level keys and un-namespaced config keys", () => {
    expect(problemsOf(() => parseStackFile("confg: {}\n", "Pulumi.x.yaml", "x"))[0]).toMatch(/^Pulumi\.x\.yaml: confg: unknown top-level key/);
    expect(problemsOf(() => parseStackFile("config:\n  experiment: {}\n", "Pulumi.x.yaml", "x"))[0]).toMatch(/config\.experiment: must be namespaced/);
  });

  it("masks secure values", () => {
    const file = parseStackFile("config:\n  aws:secretKey:\n    secure: v1:abc\n", "Pulumi.x.yaml", "x");
    expect(file.config["aws:secretKey"]).toBe("[secret]");
    expect(file.secretKeys).toEqual(["aws:secretKey"]);
  });
});

describe("keys the loader refuses as the JSON Schema does", () => {
  it("a secret anywhere but secretEnv: it would reach the Job in plain text", () => {
    const config = raw({ cluster: { mode: "create" }, nodePools: [T4_POOL], experiment: { name: "e", pool: "t4", env: { TOKEN: "[secret]" } } }, { "aws:region": "us-east-1" });
    const { problems } = collectStack(config, { stack: "s", isSecret: (key) => key === "gpu-training-clusters:experiment" });
    expect(problems.map((p) => p.path)).toEqual(["gpu-training-clusters:experiment"]);
    expect(problems[0].message).toContain("secrets go under gpu-training-clusters:secretEnv");
  });

  it("a provider key written with dots, which no provider reads", () => {
    const config = raw({ cluster: { mode: "create" } }, { "aws:region": "us-east-1", "aws:defaultTags.tags": '{"team":"ml"}' });
    const { problems } = collectStack(config, { stack: "s" });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      `aws:defaultTags.tags: is read by nothing: the provider reads "aws:defaultTags" as a whole (write the rest nested under it, e.g. \`pulumi config set --path 'aws:defaultTags.tags' <value>\`)`,
    ]);
  });
});
