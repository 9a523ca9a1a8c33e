/**
 * `secretEnv`: the program run as the Pulumi CLI runs it (values decrypted, the key listed as
 * secret) creates a Kubernetes Secret that the trainer reads with secretKeyRef, and the values
 * appear in no resource's plain inputs, no output, no manifest and no plan text. The offline plan
 * shows names and a mask; plain values and clashing names are errors that never print a value.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkSecretEnv } from "../config/secret-env";
import { parseStackFile, readStackFile } from "../config/stack-file";
import { planStack, PROJECT_DIR } from "./helpers/plan";
import { load, problemsOf, T4_POOL } from "./helpers/config";

const STACK = path.join(PROJECT_DIR, "tests", "fixtures", "Pulumi.first-run-secrets.yaml");
const KEY = "gpu-training-clusters:secretEnv";
const VALUES = { WANDB_API_KEY: "wandb-key-0123456789abcdef", HF_TOKEN: "hf_tokenZYXWVUT987654" };

function asCli(values: Record<string, string>, secret = true) {
  const file = readStackFile(STACK);
  return { config: { ...file.config, [KEY]: JSON.stringify(values) }, secretKeys: secret ? [KEY] : [] };
}

/** A project directory whose stacks/ folder holds `text` as this stack's file. */
function projectWithStackFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-project-"));
  fs.mkdirSync(path.join(dir, "stacks"));
  fs.writeFileSync(path.join(dir, "stacks", path.basename(STACK)), text);
  // The stack's workdir is relative to the project directory, where the program runs.
  fs.symlinkSync(path.join(PROJECT_DIR, "examples"), path.join(dir, "examples"));
  return dir;
}

describe("secretEnv through the program", () => {
  it("becomes a Secret read by secretKeyRef, with no value in any plain input, output, manifest or text", async () => {
    const run = await planStack(STACK, asCli(VALUES));
    const secrets = run.json.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
    expect(secrets).toHaveLength(1);
    expect(secrets[0].inputs).toMatchObject({
      metadata: { name: "first-run-secrets-secret-env", namespace: "first-run-secrets" },
      type: "Opaque",
      // @pulumi/kubernetes marks a Secret's whole stringData secret; ours are secrets before that.
      stringData: "[secret]",
    });
    const job = run.json.resources.find((r) => r.type === "kubernetes:batch/v1:Job")!;
    const env = (job.inputs as any).spec.template.spec.containers[0].env as Record<string, unknown>[];
    for (const name of Object.keys(VALUES)) {
      expect(env).toContainEqual({ name, valueFrom: { secretKeyRef: { name: "first-run-secrets-secret-env", key: name } } });
    }
    expect(env).toContainEqual({ name: "WANDB_PROJECT", value: "my-first-run" });

    const everything = JSON.stringify([run.resources, run.json, run.manifests.map((m) => m.yaml), run.text]);
    for (const value of Object.values(VALUES)) expect(everything).not.toContain(value);
    expect(run.text).toContain("secretEnv: HF_TOKEN=******** WANDB_API_KEY=********");
    const manifest = run.manifests.find((m) => m.object.kind === "Secret")!;
    expect(manifest.object.stringData).toBeUndefined();
    expect(manifest.yaml).toContain("kubectl create secret generic first-run-secrets-secret-env -n first-run-secrets");
  });

  it("is stopped, naming the variable but not its value, when Pulumi did not store it as a secret", async () => {
    await expect(planStack(STACK, asCli(VALUES, false))).rejects.toThrow(/secretEnv\.WANDB_API_KEY: is stored in plain text/);
    await planStack(STACK, asCli(VALUES, false)).catch((e: Error) => {
      for (const value of Object.values(VALUES)) expect(e.message).not.toContain(value);
    });
  });

  it("is stopped for a plain entry next to secure ones, which the engine passes decrypted under one secret key", async () => {
    // `pulumi config set --secret --path secretEnv.WANDB_API_KEY` and `pulumi config set --path
    // secretEnv.HF_TOKEN`: the program gets both decrypted and the key listed as secret, so only
    // the stack's own file in the project's stacks/ folder tells them apart.
    const project = projectWithStackFile(fs.readFileSync(STACK, "utf8").replace(/    HF_TOKEN:\n      secure: .*\n/, `    HF_TOKEN: ${VALUES.HF_TOKEN}\n`));
    const error = await planStack(STACK, asCli(VALUES), project).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/secretEnv\.HF_TOKEN: is stored in plain text in the stack file/);
    expect(error?.message).not.toMatch(/secretEnv\.WANDB_API_KEY/);
    for (const value of Object.values(VALUES)) expect(error?.message).not.toContain(value);
  });

  it("runs when the stack's own file stores every entry as secure", async () => {
    const run = await planStack(STACK, asCli(VALUES), projectWithStackFile(fs.readFileSync(STACK, "utf8")));
    expect(run.json.outputs.summary).toMatchObject({ experiment: { secretEnv: ["HF_TOKEN", "WANDB_API_KEY"] } });
  });

  it("plans offline from the encrypted file with names and a mask", async () => {
    const run = await planStack(STACK);
    expect(run.json.outputs.summary).toMatchObject({ experiment: { secretEnv: ["HF_TOKEN", "WANDB_API_KEY"] } });
    expect(JSON.stringify(run.json)).not.toContain("v1:AAAA");
  });
});

describe("secretEnv in the stack file", () => {
  it("reads --path secrets as a secret key whose values are masked", () => {
    const file = parseStackFile(
      "config:\n  gpu-training-clusters:secretEnv:\n    A:\n      secure: v1:xyz\n    B: plain-value\n",
      "Pulumi.x.yaml",
      "x",
    );
    expect(file.secretKeys).toEqual([KEY]);
    expect(JSON.parse(file.config[KEY])).toEqual({ A: "[secret]", B: "plain-value" });
  });

  it("flags a plain value next to encrypted ones, without printing it", () => {
    const check = checkSecretEnv({ A: "[secret]", B: "plain-value" }, undefined, true);
    expect(check.problems.map((p) => `${p.path}: ${p.message}`).join("\n")).toContain("secretEnv.B: is stored in plain text in the stack file");
    expect(JSON.stringify(check.problems)).not.toContain("plain-value");
  });
});

describe("secretEnv names", () => {
  const experiment = { name: "e", pool: "t4", env: { WANDB_PROJECT: "p" } };

  it("must be environment names, not torchrun's or the launcher's, and not also in experiment.env", () => {
    const problems = problemsOf(() =>
      load({ nodePools: [T4_POOL], experiment, secretEnv: { "1BAD": "[secret]", RANK: "[secret]", PIP_CACHE_DIR: "[secret]", WANDB_PROJECT: "[secret]", OK_NAME: "[secret]" } }),
    );
    expect(problems).toEqual([
      "secretEnv.1BAD: must be an environment variable name (letters, digits and '_', not starting with a digit)",
      expect.stringMatching(/^secretEnv\.RANK: is set by torch\.distributed\.run/),
      "secretEnv.PIP_CACHE_DIR: is set by the launcher (reserved: PYTHONUNBUFFERED, PIP_CACHE_DIR, GTC_SECRET_ENV)",
      "secretEnv.WANDB_PROJECT: is also set in experiment.env; a variable is either plain or secret, not both (remove one)",
    ]);
  });

  it("explains a whole-map secret and a map without an experiment", () => {
    expect(problemsOf(() => load({ nodePools: [T4_POOL], experiment, secretEnv: "[secret]" }))).toEqual([
      "secretEnv: is one encrypted value, so its variable names cannot be read; set each variable on its own: pulumi config set --secret --path 'secretEnv.NAME' VALUE",
    ]);
    expect(problemsOf(() => load({ nodePools: [T4_POOL], secretEnv: { A: "[secret]" } }))).toEqual([
      "secretEnv: has no experiment to give the variables to (add gpu-training-clusters:experiment, or remove secretEnv)",
    ]);
    expect(problemsOf(() => load({ nodePools: [T4_POOL], experiment, secretEnv: ["x"] }))).toEqual([
      "secretEnv: must be a mapping of variable name to secret value (got a list; set each with pulumi config set --secret --path 'secretEnv.NAME' VALUE)",
    ]);
  });
});
