/** The verdict matches the receiving API's in both directions: accept what it accepts, refuse what fails on the node. */
import { checkSecretEnv, looksLikeCiphertext } from "../config/secret-env";
import { parseStackFile } from "../config/stack-file";
import { load, problemsOf } from "./helpers/config";

const T4 = { name: "t4", gpu: "t4", maxNodes: 2 };

describe("accepted as the API accepts it", () => {
  it("takes JobSet maxRestarts 0 (the CRD's minimum)", () => {
    const spec = load({ nodePools: [T4], experiment: { name: "e", pool: "t4", nodes: 2, maxRestarts: 0 } });
    expect(spec.experiment!.maxRestarts).toBe(0);
  });

  it("takes a runtimeClassName that is a DNS-1123 subdomain, as Kubernetes checks it, and refuses one that is not", () => {
    const spec = load({ cluster: { mode: "existing", kubeconfigPath: "/tmp/kubeconfig", runtimeClassName: "nvidia.runtime-v2" }, nodePools: [{ name: "lab", gpu: "rtx4090", kind: "existing", driverVersion: "580.65.06" }] }, {}, null);
    expect(spec.cluster.mode === "existing" && spec.cluster.runtimeClassName).toBe("nvidia.runtime-v2");
    expect(
      problemsOf(() => load({ cluster: { mode: "existing", kubeconfigPath: "/tmp/kubeconfig", runtimeClassName: "Nvidia_RT" }, nodePools: [{ name: "lab", gpu: "rtx4090", kind: "existing" }] }, {}, null)),
    ).toContainEqual(expect.stringMatching(/^cluster\.runtimeClassName: must be a DNS-1123 subdomain/));
  });
});

describe("refused where it would fail on the node", () => {
  const withSetup = (setup: unknown) => () => load({ nodePools: [T4], experiment: { name: "e", pool: "t4", setup } });

  it("refuses an exec-form list of single words, showing the one command meant", () => {
    expect(problemsOf(withSetup(["pip", "install", "wandb"]))).toEqual([
      'experiment.setup: is a list of single words (got ["pip","install","wandb"]), which runs each word as a command of its own; each item is one shell command (use "pip install wandb")',
    ]);
  });

  it("refuses a flag as a setup item, and accepts one-word commands and full commands", () => {
    expect(problemsOf(withSetup(["pip install wandb", "--upgrade"]))).toEqual([
      'experiment.setup[1]: is a flag, not a command (got "--upgrade"; each item is one shell command, e.g. "pip install --upgrade torchvision")',
    ]);
    expect(problemsOf(withSetup(["requirements.txt", "torch==2.8.0", "./prepare.sh"]))).toEqual([
      'experiment.setup[0]: is a package pin or a file name, not a command (got "requirements.txt"; each item is one shell command, e.g. "pip install -r requirements.txt")',
      `experiment.setup[1]: is a package pin or a file name, not a command (got "torch==2.8.0"; each item is one shell command, e.g. "pip install 'torch==2.8.0'")`,
    ]);
    expect(withSetup(["nvidia-smi"])().experiment!.setup).toEqual(["nvidia-smi"]);
    expect(withSetup(["nvidia-smi", "env"])().experiment!.setup).toEqual(["nvidia-smi", "env"]);
    expect(withSetup("pip install -r requirements.txt")().experiment!.setup).toEqual(["pip install -r requirements.txt"]);
  });

  it("refuses a secure: value that is not Pulumi ciphertext by its shape", () => {
    expect(looksLikeCiphertext("v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")).toBe(true);
    expect(looksLikeCiphertext("AAABAG2X9nVmDq6kPZ8sW1f3yXoY7c5bT0uQeLrJ+4hM/aNdKwIiVgEjHlOpSz==")).toBe(true);
    for (const typed of ["hunter2", "wandb-key-0123456789", "v1:abc:def", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789", "0123456789abcdef0123456789abcdef01234567"]) expect(looksLikeCiphertext(typed)).toBe(false);
    const check = checkSecretEnv({ WANDB_API_KEY: "[secret]" }, undefined, true, { WANDB_API_KEY: { secure: "my-wandb-key" } }, true);
    expect(check.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringMatching(/^secretEnv\.WANDB_API_KEY: has a secure: value that is not Pulumi ciphertext/)]);
  });
});

describe("a duplicate key", () => {
  it("is named, with its line", () => {
    const text = ["config:", "  gpu-training-clusters:experiment:", "    name: a", "    pool: t4", "    name: b", ""].join("\n");
    expect(problemsOf(() => parseStackFile(text, "stacks/Pulumi.dup.yaml", "dup"))).toEqual([
      'stacks/Pulumi.dup.yaml:5:5: duplicate key "name": it is already set earlier in the same mapping (each key once; keep the value you mean)',
    ]);
  });
});
