/**
 * Realistic mistakes, one change each to an example stack: every one is refused with its field
 * named and no stack trace; every valid variant plans. A few run through `npm run plan` as a user
 * would (a child process, checking that no plan.json is written); the rest run in-process.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ConfigError } from "../config/errors";
import { readStackFile, stackConfigReader } from "../config/stack-file";
import { checkStack } from "../checks";

const PROJECT_DIR = path.resolve(__dirname, "..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-battery-"));
type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function example(stack: string): Config {
  return parse(fs.readFileSync(path.join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`), "utf8")).config;
}

function write(name: string, config: Config): string {
  const file = path.join(TMP, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, stringify({ config }));
  return file;
}

function verdict(file: string): { problems: string[]; plan?: ReturnType<typeof checkStack>["plan"] } {
  const f = readStackFile(file);
  try {
    return { problems: [], plan: checkStack({ raw: f.config, load: { project: "gpu-training-clusters", stack: f.stack, readStackConfig: stackConfigReader(PROJECT_DIR) }, projectDir: PROJECT_DIR }).plan };
  } catch (e) {
    if (e instanceof ConfigError) return { problems: e.problems.map((p) => `${p.path}: ${p.message}`) };
    throw e;
  }
}

const NS = "gpu-training-clusters";
const exp = (c: Config) => c[`${NS}:experiment`];
const pool0 = (c: Config) => c[`${NS}:nodePools`][0];

/** [name, example stack, change, field the error must name] */
const INVALID: [string, string, (c: Config) => void, string][] = [
  ["namespace-typo", "t4-smoke", (c) => { c["gpu-training-cluster:experiment"] = exp(c); delete c[`${NS}:experiment`]; }, "gpu-training-cluster:experiment"],
  ["unknown-key-typo", "t4-smoke", (c) => { c[`${NS}:experiments`] = exp(c); delete c[`${NS}:experiment`]; }, `${NS}:experiments`],
  ["gpu-case", "t4-smoke", (c) => { pool0(c).gpu = "T4"; }, "nodePools[0].gpu"],
  ["bucket-double-dot", "a100-8gpu", (c) => { exp(c).datasets[0].source.bucket = "example..datasets"; }, "experiment.datasets[0].source.bucket"],
  ["bucket-ip", "a100-8gpu", (c) => { exp(c).datasets[0].source.bucket = "192.168.5.4"; }, "experiment.datasets[0].source.bucket"],
  ["bucket-reserved-suffix", "a100-8gpu", (c) => { exp(c).datasets[0].source.bucket = "training--x-s3"; }, "experiment.datasets[0].source.bucket"],
  ["region-typo", "t4-smoke", (c) => { c["aws:region"] = "us-east-one"; }, "aws:region"],
  ["region-other-partition", "t4-smoke", (c) => { c["aws:region"] = "cn-north-1"; }, "aws:region"],
  ["claim-uppercase", "rtx4090-existing", (c) => { exp(c).output.source.claimName = "Bert_Outputs"; }, "experiment.output.source.claimName"],
  ["node-selector-key", "rtx4090-existing", (c) => { pool0(c).nodeSelector = { "lab/gpu/kind": "rtx" }; }, "nodePools[0].nodeSelector"],
  ["node-selector-value", "rtx4090-existing", (c) => { pool0(c).nodeSelector = { "example.com/gpu": "rtx 4090" }; }, "nodePools[0].nodeSelector.example.com/gpu"],
  ["cuda-visible-devices", "t4-smoke", (c) => { exp(c).env = { CUDA_VISIBLE_DEVICES: "0" }; }, "experiment.env.CUDA_VISIBLE_DEVICES"],
  ["nvidia-visible-devices", "t4-smoke", (c) => { exp(c).env = { NVIDIA_VISIBLE_DEVICES: "all" }; }, "experiment.env.NVIDIA_VISIBLE_DEVICES"],
  ["nvidia-require", "t4-smoke", (c) => { exp(c).env = { NVIDIA_REQUIRE_CUDA: "cuda>=13.0" }; }, "experiment.env.NVIDIA_REQUIRE_CUDA"],
  ["secret-names-reserved", "t4-smoke", (c) => { exp(c).env = { GTC_SECRET_ENV: "" }; }, "experiment.env.GTC_SECRET_ENV"],
  ["torchrun-reserved", "t4-smoke", (c) => { exp(c).env = { WORLD_SIZE: "8" }; }, "experiment.env.WORLD_SIZE"],
  ["script-is-launcher", "t4-smoke", (c) => { exp(c).script = "/opt/gtc/launch.py"; }, "experiment.script"],
  ["arg-too-long", "t4-smoke", (c) => { exp(c).args = ["--config", "x".repeat(131_072)]; }, "experiment.args[1]"],
  ["args-over-arg-max", "t4-smoke", (c) => { exp(c).args = Array.from({ length: 20 }, () => "y".repeat(120_000)); }, "experiment.args"],
  ["shm-too-large", "t4-smoke", (c) => { exp(c).shmGiB = 900; }, "experiment.shmGiB"],
  ["shm-too-small", "t4-smoke", (c) => { exp(c).shmGiB = 0.01; }, "experiment.shmGiB"],
  ["image-repository-with-tag", "t4-smoke", (c) => { exp(c).image = { repository: "ghcr.io/team/train:v1", digest: `sha256:${"b".repeat(64)}`, cudaRuntime: "12.8", archs: ["7.5"] }; }, "experiment.image.repository"],
  ["image-repository-with-digest", "t4-smoke", (c) => { exp(c).image = { repository: `ghcr.io/team/train@sha256:${"b".repeat(64)}`, digest: `sha256:${"b".repeat(64)}`, cudaRuntime: "12.8", archs: ["7.5"] }; }, "experiment.image.repository"],
  ["image-repository-uppercase", "t4-smoke", (c) => { exp(c).image = { repository: "ghcr.io/Team/Train", digest: `sha256:${"b".repeat(64)}`, cudaRuntime: "12.8", archs: ["7.5"] }; }, "experiment.image.repository"],
  ["image-unknown-tag", "t4-smoke", (c) => { exp(c).image = "pytorch/pytorch:2.8.0-cuda12.1-cudnn9-runtime"; }, "experiment.image"],
  ["image-near-miss", "t4-smoke", (c) => { exp(c).image = "pytorch-2.8-cuda12.9"; }, "experiment.image"],
  ["system-instance-type", "t4-smoke", (c) => { c[`${NS}:cluster`].systemNodes = { instanceType: "M6i Large" }; }, "cluster.systemNodes.instanceType"],
  ["system-instance-size-typo", "t4-smoke", (c) => { c[`${NS}:cluster`].systemNodes = { instanceType: "m6i.larg" }; }, "cluster.systemNodes.instanceType"],
  ["pool-name-typo", "a100-8gpu", (c) => { exp(c).pool = "a10O"; }, "experiment.pool"],
  ["log-retention-not-cloudwatch", "t4-smoke", (c) => { c[`${NS}:cluster`].controlPlaneLogs = { retentionDays: 45 }; }, "cluster.controlPlaneLogs.retentionDays"],
  ["kms-alias-not-key", "t4-smoke", (c) => { c[`${NS}:cluster`].secretsKmsKeyArn = "arn:aws:kms:us-east-1:123456789012:alias/eks"; }, "cluster.secretsKmsKeyArn"],
  ["kms-key-other-region", "t4-smoke", (c) => { c[`${NS}:cluster`].secretsKmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"; }, "cluster.secretsKmsKeyArn"],
  ["host-path-outside-prefix", "rtx4090-hybrid", (c) => { exp(c).datasets[0].source.path = "/var/lib/kubelet"; }, "experiment.datasets[0].source.path"],
  ["cuda13-on-old-driver", "rtx4090-existing", (c) => { exp(c).image = { repository: "ghcr.io/team/train", digest: `sha256:${"c".repeat(64)}`, cudaRuntime: "13.0", archs: ["8.9"] }; }, "nodePools[0].driverVersion"],
];

/** [name, example stack, change] that must plan. */
const VALID: [string, string, (c: Config) => void][] = [
  ["kms-key-and-retention", "t4-smoke", (c) => { c[`${NS}:cluster`].secretsKmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"; c[`${NS}:cluster`].controlPlaneLogs = { retentionDays: 365 }; }],
  ["public-tag", "t4-smoke", (c) => { exp(c).image = "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime"; }],
  ["public-tag-docker-io", "t4-smoke", (c) => { exp(c).image = "docker.io/pytorch/pytorch:2.8.0-cuda12.6-cudnn9-runtime"; }],
  ["cuda13-on-eks-ami", "t4-smoke", (c) => { exp(c).image = { repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/train", digest: `sha256:${"d".repeat(64)}`, cudaRuntime: "13.0", archs: ["7.5", "8.0"] }; }],
  ["cuda13-on-declared-580-branch", "rtx4090-existing", (c) => { pool0(c).driverVersion = "580"; exp(c).image = { repository: "ghcr.io/team/train", digest: `sha256:${"e".repeat(64)}`, cudaRuntime: "13.0", archs: ["8.9"] }; }],
  ["pulumi-namespace", "t4-smoke", (c) => { c["pulumi:tags"] = { team: "ml" }; }],
  ["other-region", "t4-smoke", (c) => { c["aws:region"] = "eu-west-1"; }],
  ["shm-within-bounds", "t4-smoke", (c) => { exp(c).shmGiB = 4; }],
  ["dotted-claim", "rtx4090-existing", (c) => { exp(c).output.source.claimName = "bert.outputs-v2"; }],
];

describe("invalid stacks: refused, field named, no stack trace", () => {
  it.each(INVALID)("%s", (name, stack, change, field) => {
    const config = example(stack);
    change(config);
    const { problems } = verdict(write(name, config));
    expect(problems.some((p) => p.startsWith(`${field}:`))).toBe(true);
  });
});

describe("valid variants plan", () => {
  it.each(VALID)("%s", (name, stack, change) => {
    const config = example(stack);
    change(config);
    const { problems, plan } = verdict(write(name, config));
    expect(problems).toEqual([]);
    expect(plan).toBeDefined();
  });

  it("the public tag resolves to the pinned digest and the plan says so", () => {
    const config = example("t4-smoke");
    exp(config).image = "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime";
    const { plan } = verdict(write("public-tag-note", config));
    expect(plan!.experiment!.image.reference).toBe("docker.io/pytorch/pytorch@sha256:417bd75df6365104c283ea4c1651fb3530d9eb5a4c2fafa51943cff2a94e6385");
    expect(plan!.experiment!.image.substitution).toContain("pinned to its digest");
  });

  it("warns, without refusing, about spot for a multi-node run, a shared pvc and prices of another region", () => {
    const config = example("rtx4090-existing");
    exp(config).nodes = 2;
    config[`${NS}:nodePools`][0].maxNodes = 2;
    const warnings = verdict(write("pvc-multi", config)).plan!.warnings;
    expect(warnings.some((w) => w.startsWith("experiment.output.source.claimName") && w.includes("ReadWriteMany"))).toBe(true);
    const a100 = example("a100-2x8");
    a100[`${NS}:nodePools`][0].capacity = "spot";
    a100["aws:region"] = "eu-west-1";
    const w2 = verdict(write("spot-multi", a100)).plan!.warnings;
    expect(w2.some((w) => w.includes("spot"))).toBe(true);
    expect(w2.some((w) => w.startsWith("aws:region: prices are us-east-1"))).toBe(true);
  });

  it("warns that the API endpoint is open to the internet until publicAccessCidrs narrows it, saying how", () => {
    const open = (config: Config) => verdict(write(`endpoint-${Object.keys(config[`${NS}:cluster`].endpoint ?? {}).join("-")}`, config)).plan!.warnings.filter((w) => w.startsWith("cluster.endpoint.publicAccessCidrs"));
    const config = example("t4-smoke");
    expect(open(config)).toEqual([expect.stringContaining("open to the whole internet (0.0.0.0/0, the default); restrict it")]);
    expect(open(config)[0]).toContain("the nodes use the private endpoint and need no entry");
    config[`${NS}:cluster`].endpoint = { publicAccessCidrs: ["203.0.113.0/24"] };
    expect(open(config)).toEqual([]);
    config[`${NS}:cluster`].endpoint = { publicAccess: false };
    expect(open(config)).toEqual([]);
    const hybrid = example("rtx4090-hybrid");
    expect(open(hybrid)).toEqual([expect.stringContaining("with the private endpoint off, also list the addresses the nodes come from")]);
  });
});

describe("every problem at once", () => {
  it("reports five mistakes in different phases in one error", () => {
    const config = example("t4-smoke");
    config["gpu-training-cluster:idle"] = config[`${NS}:idle`]; // 1. namespace
    delete config[`${NS}:idle`];
    config[`${NS}:cluster`].natGateways = "two"; // 2. schema
    exp(config).env = { CUDA_VISIBLE_DEVICES: "0" }; // 3. cross-field rules
    exp(config).gpusPerNode = 4; // 4. compatibility gate (g4dn.xlarge has 1 GPU)
    exp(config).shmGiB = 900; // 5. /dev/shm against the node's memory
    const { problems } = verdict(write("five", config));
    for (const field of ["gpu-training-cluster:idle", "cluster.natGateways", "experiment.env.CUDA_VISIBLE_DEVICES", "experiment.gpusPerNode", "experiment.shmGiB"]) {
      expect(problems.filter((p) => p.startsWith(`${field}:`))).toHaveLength(1);
    }
    expect(problems).toHaveLength(5);
  });

  it("a schema error in one pool does not hide the experiment's problems", () => {
    const config = example("a100-8gpu");
    config[`${NS}:nodePools`].push({ name: "spare", gpu: "A10G" });
    exp(config).env = { NVIDIA_DRIVER_CAPABILITIES: "utility" };
    const { problems } = verdict(write("two-parts", config));
    expect(problems.some((p) => p.startsWith("nodePools[1].gpu:") && p.includes('did you mean "a10g"'))).toBe(true);
    expect(problems.some((p) => p.startsWith("experiment.env.NVIDIA_DRIVER_CAPABILITIES:"))).toBe(true);
  });
});

describe("through npm run plan, as a user runs it", () => {
  const cases = INVALID.filter(([name]) => ["namespace-typo", "shm-too-large", "bucket-double-dot"].includes(name));
  it.each(cases)("%s exits non-zero, names the field, prints no stack trace, writes no plan.json", (name, stack, change, field) => {
    const config = example(stack);
    change(config);
    const file = write(`cli-${name}`, config);
    const out = path.join(TMP, `out-${name}`);
    const run = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(PROJECT_DIR, "tools", "plan.ts"), file, "--out", out], { encoding: "utf8", cwd: PROJECT_DIR });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${field}:`);
    expect(run.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(fs.existsSync(path.join(out, "plan.json"))).toBe(false);
  }, 60_000);
});

describe("any value in any field", () => {
  it("is either accepted or refused with named problems, never an internal error", () => {
    const fc = require("fast-check") as typeof import("fast-check");
    const base = example("a100-8gpu");
    const paths: string[][] = [];
    const walk = (v: unknown, at: string[]) => {
      paths.push(at);
      if (v && typeof v === "object") for (const [k, child] of Object.entries(v)) walk(child, [...at, k]);
    };
    walk(base, []);
    const candidates = paths.filter((p) => p.length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...candidates), fc.jsonValue({ maxDepth: 2 }), (at, value) => {
        const config = JSON.parse(JSON.stringify(base));
        let node = config;
        for (const k of at.slice(0, -1)) node = node[k];
        node[at[at.length - 1]] = value;
        const raw: Record<string, string> = {};
        for (const [k, v] of Object.entries(config)) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
        try {
          checkStack({ raw, load: { stack: "fuzz", readStackConfig: stackConfigReader(PROJECT_DIR) }, projectDir: PROJECT_DIR });
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).problems.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("a failed field hides nothing else", () => {
  it("a bad experiment name does not hide the experiment's env, bucket and pool problems", () => {
    const config = example("a100-8gpu");
    exp(config).name = "Big_Run";
    exp(config).env = { CUDA_VISIBLE_DEVICES: "0" };
    exp(config).datasets[0].source.bucket = "My_Bucket";
    const { problems } = verdict(write("name-and-more", config));
    expect(problems.some((p) => p.startsWith("experiment.name:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("experiment.env.CUDA_VISIBLE_DEVICES:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("experiment.datasets[0].source.bucket:"))).toBe(true);
    // The placeholder name is never checked: no Job, ConfigMap or volume name built from it.
    expect(problems.filter((p) => p.startsWith("experiment.name:"))).toHaveLength(1);
    expect(problems.some((p) => p.includes("placeholder"))).toBe(false);
  });

  it("a pool of the wrong type does not hide the bucket, nor claim there is no pool", () => {
    const config = example("a100-8gpu");
    exp(config).pool = 7;
    exp(config).datasets[0].source.bucket = "My_Bucket";
    const { problems } = verdict(write("pool-and-bucket", config));
    expect(problems.some((p) => p.startsWith("experiment.pool: must be a string"))).toBe(true);
    expect(problems.some((p) => p.startsWith("experiment.datasets[0].source.bucket:"))).toBe(true);
    expect(problems.some((p) => p.includes("names no pool"))).toBe(false);
  });

  it("secretEnv is not told there is no experiment when the experiment only failed to parse", () => {
    const config = example("t4-smoke");
    exp(config).name = "Big_Run";
    exp(config).pool = 7;
    config[`${NS}:secretEnv`] = { HF_TOKEN: "[secret]" };
    const { problems } = verdict(write("secret-broken-exp", config));
    expect(problems.some((p) => p.includes("has no experiment"))).toBe(false);
  });

  it("a reused stack that does not exist gives no follow-on \"names no pool\"", () => {
    const config = example("t4-smoke");
    config[`${NS}:cluster`] = { mode: "reuse", stack: "no-such-stack" };
    delete config[`${NS}:nodePools`];
    delete config[`${NS}:idle`];
    delete config["aws:region"];
    const { problems } = verdict(write("reuse-missing", config));
    expect(problems.some((p) => p.startsWith("cluster.stack:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("experiment.pool:"))).toBe(false);
  });
});

describe("messages say the real rule", () => {
  const one = (name: string, stack: string, change: (c: Config) => void, field: string) => {
    const config = example(stack);
    change(config);
    const found = verdict(write(name, config)).problems.filter((p) => p.startsWith(`${field}:`));
    expect(found).toHaveLength(1);
    return found[0];
  };

  it("a bad env var name says what a name may be", () => {
    const m = one("env-dash", "t4-smoke", (c) => { exp(c).env = { "MY-FLAG": "1" }; }, "experiment.env.MY-FLAG");
    expect(m).toContain("must be an environment variable name");
    expect(m).toContain("letters, digits and '_'");
  });

  it("env written as a list asks for a mapping", () => {
    expect(one("env-list", "t4-smoke", (c) => { exp(c).env = ["A=1"]; }, "experiment.env")).toContain("must be a mapping (got a list)");
  });

  it("one character is singular", () => {
    expect(one("script-empty", "t4-smoke", (c) => { exp(c).script = ""; }, "experiment.script")).toContain("at least 1 character long");
  });

  it("an upper-case bucket is told about case, not about its first letter", () => {
    const m = one("bucket-upper", "a100-8gpu", (c) => { exp(c).datasets[0].source.bucket = "Example-Training-Datasets"; }, "experiment.datasets[0].source.bucket");
    expect(m).toContain("lower-case");
    expect(m).not.toContain("begin and end");
  });

  it("a directory bucket or access point alias is named as such", () => {
    expect(one("dir-bucket", "a100-8gpu", (c) => { exp(c).datasets[0].source.bucket = "training--use1-az4--x-s3"; }, "experiment.datasets[0].source.bucket")).toContain("directory bucket");
    expect(one("ap-alias", "a100-8gpu", (c) => { exp(c).datasets[0].source.bucket = "myap-abc123-s3alias"; }, "experiment.datasets[0].source.bucket")).toContain("access point alias");
  });

  it.each([[1.35, '"1.35"'], [1.3, '"1.35"']])("an unquoted Kubernetes version %s is told to be quoted", (version, example) => {
    const m = one(`k8s-${version}`, "t4-smoke", (c) => { c[`${NS}:cluster`].kubernetesVersion = version; }, "cluster.kubernetesVersion");
    expect(m).toContain(`write it quoted, e.g. ${example}`);
  });
});

describe("provider namespaces", () => {
  it.each([
    ["aws:regoin", "aws:region"],
    ["kubernetes:kubeconfg", "kubernetes:kubeconfig"],
    ["pulumi:tag", "pulumi:tags"],
  ])("%s is refused with a did-you-mean", (key, near) => {
    const config = example("t4-smoke");
    config[key] = "x";
    const { problems } = verdict(write(`ns-${key.replace(":", "-")}`, config));
    expect(problems.some((p) => p.startsWith(`${key}:`) && p.includes(`did you mean "${near}"`))).toBe(true);
  });

  it("the provider and Pulumi keys a stack really uses are accepted", () => {
    const config = example("t4-smoke");
    config["aws:profile"] = "ml";
    config["aws:defaultTags"] = { tags: { team: "ml" } };
    config["kubernetes:enableServerSideApply"] = true;
    config["pulumi:disable-default-providers"] = ["kubernetes"];
    config["pulumi:autonaming"] = { mode: "default" };
    expect(verdict(write("ns-valid", config)).problems).toEqual([]);
  });
});

describe("the offline plan's account answers", () => {
  it("give every GPU quota a non-zero placeholder, so a valid spot pool plans", () => {
    const { MOCK_QUOTAS } = require("../tools/mocks") as typeof import("../tools/mocks");
    const { GPU_QUOTAS } = require("../plan/account") as typeof import("../plan/account");
    for (const q of GPU_QUOTAS) expect([q.code, MOCK_QUOTAS[q.code]]).toEqual([q.code, expect.any(Number)]);
    for (const q of GPU_QUOTAS) expect(MOCK_QUOTAS[q.code]).toBeGreaterThan(0);
  });
});
