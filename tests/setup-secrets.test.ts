/**
 * Setup commands never see the secretEnv values; torch.distributed.run's workers do. The planned
 * Job's own container (command, arguments, environment) runs the real launcher on CPU, with the
 * secret values filled in from the Secret as the kubelet would, `$(VAR)` and `$$` expanded as the
 * kubelet expands them, and the pod's paths mapped to folders here. Two changes, both for this
 * machine: `--expect-gpus` is 0 (no GPU), and Debian's torch 1.13 needs `--redirects 2 --tee 2`.
 * The launcher runs with only the training container's capabilities and no_new_privs (`setpriv`), as
 * the training container does (k8s/security-context.ts, allowPrivilegeEscalation false).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack, PROJECT_DIR } from "./helpers/plan";
import { FILE_CAPABILITIES } from "../k8s/security-context";
import { LAUNCHER_DIR, WORKDIR_ARCHIVE_DIR, WORKDIR_MOUNT } from "../config/launcher-paths";

const SECRETS = { WANDB_API_KEY: "wandb-0123456789abcdef-secret", HF_TOKEN: "hf_SeCrEtTokenValue42" };
const DEBIAN_FLAGS = ["--redirects", "2", "--tee", "2"];
// The setup dumps its environment and tries to read the launcher's (its parent's) from /proc.
const SETUP = "env > setup-env.txt; cat /proc/$PPID/environ > launcher-environ.txt 2> launcher-environ.err || true";
const WORKER = "import json, os\nopen('worker-env-%s.json' % os.environ['RANK'], 'w').write(json.dumps(dict(os.environ)))\n";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown };
}

/** Kubernetes' expansion of container args and env values: `$(VAR)` of a defined variable, `$$` to `$` (third_party/forked/golang/expansion). */
function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name?: string) => (name === undefined ? "$" : name in env ? env[name] : all));
}

function stackFile(workdir: string): string {
  const fixture = fs.readFileSync(path.join(PROJECT_DIR, "tests", "fixtures", "Pulumi.first-run-secrets.yaml"), "utf8");
  const text = fixture
    .replace("workdir: examples/my-first-run", `workdir: ${workdir}`)
    .replace("script: train.py", "script: dump_env.py")
    .replace("setup: pip install -r requirements.txt", `setup: ${JSON.stringify(SETUP)}`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-stack-")), "Pulumi.secrets.yaml");
  fs.writeFileSync(file, text);
  return file;
}

describe("secretEnv and setup", () => {
  it("runs the Job's setup without the secret values, and its workers with them", async () => {
    const code = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-code-"));
    fs.writeFileSync(path.join(code, "dump_env.py"), WORKER);
    const run = await planStack(stackFile(code));
    const resources = run.json.resources;
    const job = resources.find((r) => r.type === "kubernetes:batch/v1:Job")!.inputs as any;
    const archive = resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).binaryData)!.inputs as any;
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret")!.inputs as any;
    const container = job.spec.template.spec.containers[0];

    // The pod's paths, here: the launcher ConfigMap's files, the archive ConfigMap, the workdir emptyDir.
    const pod = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-pod-"));
    const workdir = path.join(pod, "workdir");
    const archiveDir = path.join(pod, "archive");
    fs.mkdirSync(archiveDir);
    for (const [file, base64] of Object.entries(archive.binaryData as Record<string, string>)) fs.writeFileSync(path.join(archiveDir, file), Buffer.from(base64, "base64"));
    const mapped: [string, string][] = [[WORKDIR_ARCHIVE_DIR, archiveDir], [WORKDIR_MOUNT, workdir], [LAUNCHER_DIR, path.join(PROJECT_DIR, "images", "launcher")]];
    const mapPath = (arg: string) => mapped.reduce((a, [from, to]) => a.replace(new RegExp(`(^|=)${from}(?=/|$)`), `$1${to}`), arg);

    // The container's environment as the kubelet builds it: values in order, secretKeyRef from the Secret.
    const env: Record<string, string> = {};
    for (const v of container.env as EnvVar[]) {
      const ref = v.valueFrom?.secretKeyRef;
      if (ref) {
        expect(ref.name).toBe(secret.metadata.name);
        env[v.name] = SECRETS[ref.key as keyof typeof SECRETS];
      } else if (v.value !== undefined) env[v.name] = expand(v.value, env);
    }
    expect(Object.keys(env)).toEqual(expect.arrayContaining(Object.keys(SECRETS)));

    const args = (container.args as string[])
      .map((a) => mapPath(expand(a, env)))
      .map((a) => (a.startsWith("--expect-gpus=") ? "--expect-gpus=0" : a));
    const split = args.indexOf("--");
    args.splice(split + 1, 0, ...DEBIAN_FLAGS);
    const [python, launcher] = (container.command as string[]).map(mapPath);
    expect(python).toBe("python3");
    const caps = FILE_CAPABILITIES.map((c) => `+${c.toLowerCase()}`).join(",");
    const done = spawnSync("setpriv", ["--no-new-privs", `--bounding-set=-all,${caps}`, "--inh-caps=-all", "/usr/bin/python3", launcher, ...args], {
      env: { ...env, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: pod },
      encoding: "utf8",
      timeout: 180_000,
    });
    expect({ status: done.status, tail: `${done.stdout}\n${done.stderr}`.slice(-3000) }).toMatchObject({ status: 0 });
    expect(done.stdout).toContain("launch: setup runs without the secretEnv variables HF_TOKEN, WANDB_API_KEY");

    const setupEnv = fs.readFileSync(path.join(workdir, "setup-env.txt"), "utf8");
    expect(setupEnv).toContain("PYTHONUNBUFFERED=1");
    expect(setupEnv).toContain("WANDB_PROJECT=my-first-run");
    // Nor can setup read them back from the launcher, which holds them: it runs as the same user.
    const launcherEnv = fs.readFileSync(path.join(workdir, "launcher-environ.txt"), "utf8");
    expect(fs.readFileSync(path.join(workdir, "launcher-environ.err"), "utf8")).toMatch(/Permission denied/);
    const worker = JSON.parse(fs.readFileSync(path.join(workdir, "worker-env-0.json"), "utf8"));
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(setupEnv).not.toContain(value);
      expect(setupEnv).not.toMatch(new RegExp(`^${name}=`, "m"));
      expect(launcherEnv).not.toContain(value);
      expect(worker[name]).toBe(value);
    }
  }, 240_000);
});
