/** Which cluster and experiment a stack argument means: --kubeconfig, existing-mode files, stack outputs. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLUSTER_OUTPUTS } from "../../components/target";
import { findOnPath } from "../../reap/workspace";
import { DEFAULT_STACK as PLAN_DEFAULT } from "../../tools/plan";
import { parseArgs as parseLogs } from "../../tools/logs";
import { parseArgs as parseStatus } from "../../tools/status";
import { DEFAULT_STACK, KUBECONFIG_OUTPUT, StatusError, automationOutputs, pulumiFailure, resolveTarget } from "../../status/target";
import { listStacks } from "../../config/stack-file";

const ROOT = path.resolve(__dirname, "../..");

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-target-"));
  fs.mkdirSync(path.join(dir, "stacks"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("resolveTarget", () => {
  const asked: string[] = [];
  const outputs = async (stack: string) => {
    asked.push(stack);
    if (stack === "shared-cluster") return { kubeconfig: { apiVersion: "v1", clusters: [] }, clusterName: "shared" };
    if (stack === "t4-smoke") return { kubeconfig: "apiVersion: v1\nkind: Config\n" };
    return {};
  };
  const deps = { projectDir: ROOT, stackOutputs: outputs };
  beforeEach(() => asked.splice(0));

  it("--kubeconfig: that file, the experiment from the stack file, no stack outputs read", async () => {
    const dir = project({ kubeconfig: "apiVersion: v1\n" });
    const t = await resolveTarget(deps, "t4-smoke", { kubeconfig: path.join(dir, "kubeconfig"), context: "lab" });
    expect(t).toEqual({ stack: "t4-smoke", experiment: "t4-smoke", namespace: "t4-smoke", kubeconfig: { files: [path.join(dir, "kubeconfig")], context: "lab", origin: path.join(dir, "kubeconfig") } });
    expect(asked).toEqual([]);
  });

  it("a created cluster: the stack's own kubeconfig output", async () => {
    const t = await resolveTarget(deps, "t4-smoke", {});
    expect(t.kubeconfig).toEqual({ text: "apiVersion: v1\nkind: Config\n", context: undefined, origin: "output of stack t4-smoke" });
    expect(asked).toEqual(["t4-smoke"]);
  });

  it("a reused cluster: the cluster stack's output (an object output is passed on as JSON)", async () => {
    const t = await resolveTarget(deps, "shared-t4-sweep", {});
    expect(t).toMatchObject({ stack: "shared-t4-sweep", experiment: "sweep-lr", kubeconfig: { text: '{"apiVersion":"v1","clusters":[]}', origin: "output of stack shared-cluster" } });
    expect(asked).toEqual(["shared-cluster"]);
  });

  it("looks in the stack's own namespace for its own experiment, and in every namespace for one named with --experiment", async () => {
    expect((await resolveTarget(deps, "shared-t4-sweep", {})).namespace).toBe("shared-t4-sweep");
    expect((await resolveTarget(deps, "shared-t4-sweep", { experiment: "sweep-lr" })).namespace).toBe("shared-t4-sweep");
    expect((await resolveTarget(deps, "shared-t4-sweep", { experiment: "someone-else" })).namespace).toBeUndefined();
    expect(await resolveTarget(deps, "shared-cluster", { experiment: "sweep-lr" })).toMatchObject({ experiment: "sweep-lr", namespace: undefined });
  });

  it("a cluster-only stack has no experiment (status lists every one); --experiment names one", async () => {
    expect((await resolveTarget(deps, "shared-cluster", {})).experiment).toBeUndefined();
    expect((await resolveTarget(deps, "shared-cluster", { experiment: "sweep-lr" })).experiment).toBe("sweep-lr");
  });

  it("an existing cluster: the kubeconfig and context of its stack file, never stack outputs", async () => {
    const dir = project({ "lab.yaml": "apiVersion: v1\nkind: Config\n" });
    fs.writeFileSync(
      path.join(dir, "stacks", "Pulumi.lab.yaml"),
      `config:\n  gpu-training-clusters:cluster:\n    mode: existing\n    kubeconfigPath: ${path.join(dir, "lab.yaml")}\n    context: rtx\n  gpu-training-clusters:experiment:\n    name: bert\n    pool: p\n`,
    );
    const t = await resolveTarget({ ...deps, projectDir: dir }, "lab", {});
    expect(t).toEqual({ stack: "lab", experiment: "bert", namespace: "lab", kubeconfig: { files: [path.join(dir, "lab.yaml")], context: "rtx", origin: path.join(dir, "lab.yaml") } });
    expect(asked).toEqual([]);
    // Without kubeconfigPath: every file of $KUBECONFIG that exists, merged as kubectl merges them.
    fs.writeFileSync(path.join(dir, "more.yaml"), "apiVersion: v1\nkind: Config\n");
    fs.writeFileSync(path.join(dir, "stacks", "Pulumi.lab2.yaml"), "config:\n  gpu-training-clusters:cluster:\n    mode: existing\n");
    const env = { KUBECONFIG: [path.join(dir, "lab.yaml"), "/nonexistent", path.join(dir, "more.yaml")].join(path.delimiter) };
    expect((await resolveTarget({ ...deps, projectDir: dir, env }, "lab2", {})).kubeconfig.files).toEqual([path.join(dir, "lab.yaml"), path.join(dir, "more.yaml")]);
    await expect(resolveTarget({ ...deps, projectDir: dir, env: { KUBECONFIG: "/nonexistent" } }, "lab2", {})).rejects.toThrow(
      "cannot read the kubeconfig: none of the files in $KUBECONFIG exists (/nonexistent)",
    );
  });

  it("a reused cluster of another organization: its fully qualified org/project/stack name, as the StackReference uses", async () => {
    const dir = project({});
    fs.writeFileSync(path.join(dir, "stacks", "Pulumi.sweep.yaml"), "config:\n  gpu-training-clusters:cluster:\n    mode: reuse\n    stack: shared-cluster\n    organization: acme\n");
    const t = await resolveTarget({ ...deps, projectDir: dir }, "sweep", {}).catch((e: Error) => e);
    expect(asked).toEqual(["acme/gpu-training-clusters/shared-cluster"]);
    expect((t as Error).message).toBe("stack acme/gpu-training-clusters/shared-cluster has no kubeconfig output (stack sweep runs on its cluster): run `pulumi up` on it first, or pass --kubeconfig PATH");
  });

  it("a Pulumi CLI failure: the first error line of its stderr, not the exit code", () => {
    const commandError = Object.assign(new Error("code: 255\n stdout: \n stderr: error: no stack named 'dev' found\n err?: \n"), {
      commandResult: { code: 255, stdout: "", stderr: "warning: A new version of Pulumi is available.\nerror: no stack named 'dev' found\n" },
    });
    expect(pulumiFailure(commandError)).toBe("no stack named 'dev' found");
    expect(pulumiFailure(new Error("code: 255\n stdout: \n stderr: error: passphrase must be set\n"))).toBe("passphrase must be set");
    expect(pulumiFailure(new Error("spawn pulumi EACCES"))).toBe("spawn pulumi EACCES");
  });

  it("clear errors: an unknown stack (naming the known ones), a missing kubeconfig file, no kubeconfig output", async () => {
    await expect(resolveTarget(deps, "nope", {})).rejects.toThrow(new StatusError(`unknown stack "nope": there is no stacks/Pulumi.nope.yaml (stacks: ${listStacks(ROOT).join(", ")})`));
    await expect(resolveTarget(deps, "t4-smoke", { kubeconfig: "/nonexistent/kc" })).rejects.toThrow("cannot read the kubeconfig /nonexistent/kc (--kubeconfig): no such file");
    await expect(resolveTarget(deps, "a100-8gpu", {})).rejects.toThrow("stack a100-8gpu has no kubeconfig output: run `pulumi up` on it first, or pass --kubeconfig PATH");
    const failing = { ...deps, stackOutputs: async () => Promise.reject(new Error("no stack named 'dev' found\nmore")) };
    await expect(resolveTarget(failing, "t4-smoke", {})).rejects.toThrow("cannot read the outputs of stack t4-smoke (is `pulumi login` done and the stack deployed?): no stack named 'dev' found");
  });

  it("the real reader says the Pulumi CLI is missing, and how to do without it", async () => {
    const env = { PATH: "/nonexistent" };
    expect(findOnPath("pulumi", env)).toBeUndefined();
    await expect(automationOutputs(ROOT, env)("t4-smoke")).rejects.toThrow(
      new StatusError("the kubeconfig of stack t4-smoke is a stack output, read with the Pulumi CLI (https://www.pulumi.com/docs/install/): no `pulumi` on PATH. Install it and `pulumi login`, or pass --kubeconfig PATH"),
    );
  });

  it("agrees with the plan's default stack and the cluster stack's output name", () => {
    expect(DEFAULT_STACK).toBe(PLAN_DEFAULT);
    expect(KUBECONFIG_OUTPUT).toBe(CLUSTER_OUTPUTS.kubeconfig);
  });
});

describe("arguments", () => {
  it("status: a stack (default t4-smoke), cluster options, --json", () => {
    expect(parseStatus([])).toEqual({ stack: "t4-smoke", json: false });
    expect(parseStatus(["a100-2x8", "--kubeconfig", "kc", "--context=c", "--json"])).toEqual({ stack: "a100-2x8", json: true, kubeconfig: "kc", context: "c" });
    expect(() => parseStatus(["--kubeconfig"])).toThrow("--kubeconfig needs a value");
    expect(() => parseStatus(["a", "b"])).toThrow("one stack at a time (got a and b)");
    expect(() => parseStatus(["--watch"])).toThrow("unknown option --watch");
  });

  it("logs: --rank, --follow, --tail, validated", () => {
    expect(parseLogs(["a100-2x8", "--rank", "1", "-f", "--tail=50"])).toEqual({ stack: "a100-2x8", rank: 1, follow: true, tail: 50 });
    expect(parseLogs([])).toEqual({ stack: "t4-smoke", rank: 0, follow: false, tail: undefined });
    expect(() => parseLogs(["--rank", "-1"])).toThrow("--rank must be a whole number >= 0 (got -1)");
    expect(() => parseLogs(["--rank", "one"])).toThrow("--rank must be a whole number >= 0 (got one)");
    expect(() => parseLogs(["--tail", "0"])).toThrow("--tail must be a whole number >= 1 (got 0)");
  });
});
