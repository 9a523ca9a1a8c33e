/**
 * Packing a workdir: deterministic bytes and hash, .gitignore honoured, limits with clear errors,
 * and an archive Python's tarfile (what the launcher unpacks with) reads back file for file.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MAX_WORKDIR_BYTES, packWorkdir } from "../workdir/archive";
import { tarBytes } from "../workdir/tar";

function tree(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-workdir-"));
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

function messages(result: { problems: readonly { path: string; message: string }[] }): string[] {
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

const CODE = { "train.py": "print('hi')\n", "lib/model.py": "X = 1\n", "requirements.txt": "numpy\n" };

describe("workdir archive", () => {
  it("is byte-identical for the same contents, whatever the mtimes, order of creation or location", () => {
    const a = tree(CODE);
    const b = tree({ "requirements.txt": CODE["requirements.txt"], "lib/model.py": CODE["lib/model.py"], "train.py": CODE["train.py"] });
    fs.utimesSync(path.join(b, "train.py"), new Date("2031-05-05"), new Date("2031-05-05"));
    const first = packWorkdir("/", a, "train.py").archive!;
    const second = packWorkdir("/", b, "train.py").archive!;
    expect(second.gzip.equals(first.gzip)).toBe(true);
    expect(second.summary.sha256).toBe(first.summary.sha256);
    expect(first.summary.files.map((f) => f.path)).toEqual(["lib/model.py", "requirements.txt", "train.py"]);
    expect(first.summary).toMatchObject({ bytes: 24, transport: "configmap" });
  });

  it("changes its hash when one byte of one file changes", () => {
    const dir = tree(CODE);
    const before = packWorkdir("/", dir).archive!.summary.sha256;
    fs.writeFileSync(path.join(dir, "lib/model.py"), "X = 2\n");
    expect(packWorkdir("/", dir).archive!.summary.sha256).not.toBe(before);
  });

  it("keeps the owner's execute bit and nothing else of the file mode", () => {
    const dir = tree(CODE);
    fs.chmodSync(path.join(dir, "train.py"), 0o700);
    const plain = packWorkdir("/", tree(CODE)).archive!.summary.sha256;
    expect(packWorkdir("/", dir).archive!.summary.sha256).not.toBe(plain);
    fs.chmodSync(path.join(dir, "train.py"), 0o600);
    expect(packWorkdir("/", dir).archive!.summary.sha256).toBe(plain);
  });

  it("ships what git would: .gitignore rules, nested ones too, and never .git", () => {
    const dir = tree({
      ...CODE,
      ".gitignore": "checkpoints/\n*.pt\n!keep.pt\n",
      "checkpoints/step-100/model.bin": "big",
      "weights.pt": "w",
      "keep.pt": "k",
      "lib/.gitignore": "generated.py\n",
      "lib/generated.py": "g",
      ".git/HEAD": "ref: refs/heads/main\n",
    });
    const files = packWorkdir("/", dir).archive!.summary.files.map((f) => f.path);
    expect(files).toEqual([".gitignore", "keep.pt", "lib/.gitignore", "lib/model.py", "requirements.txt", "train.py"]);
  });

  it("inside a git repository, also honours the .gitignore files above it and info/exclude, as git does", () => {
    const repo = tree({
      // Lowest precedence: the repository's own exclude file, relative to the top.
      ".git/info/exclude": "secret.txt\n",
      // Above the workdir: an unanchored pattern matches at any depth, an anchored one from the top.
      ".gitignore": "*.pt\nwandb/\n/projects/code/local.cfg\n/train.py\n",
      "projects/.gitignore": "notes.md\n",
      "projects/code/.gitignore": "!keep.pt\n",
      "projects/code/train.py": "print('hi')\n",
      "projects/code/model.pt": "w",
      "projects/code/keep.pt": "k",
      "projects/code/wandb/run-1/log.txt": "l",
      "projects/code/notes.md": "n",
      "projects/code/secret.txt": "s",
      "projects/code/local.cfg": "c",
    });
    const workdir = path.join(repo, "projects", "code");
    const files = packWorkdir("/", workdir).archive!.summary.files.map((f) => f.path);
    expect(files).toEqual([".gitignore", "keep.pt", "train.py"]);
    // Outside a repository the same directory ships everything its own .gitignore allows.
    fs.renameSync(path.join(repo, ".git"), path.join(repo, "not-git"));
    expect(packWorkdir("/", workdir).archive!.summary.files.map((f) => f.path)).toEqual([
      ".gitignore", "keep.pt", "local.cfg", "model.pt", "notes.md", "secret.txt", "train.py", "wandb/run-1/log.txt",
    ]);
    // And real git, in a real repository with the same files, ships what the packer ships.
    fs.renameSync(path.join(repo, "not-git"), path.join(repo, "old-git"));
    const git = (...args: string[]) => spawnSync("git", ["-c", "core.excludesFile=/dev/null", ...args], { cwd: repo, encoding: "utf8" });
    expect(git("init", "-q").status).toBe(0);
    fs.writeFileSync(path.join(repo, ".git", "info", "exclude"), "secret.txt\n");
    const listed = git("ls-files", "--others", "--exclude-standard", "--", "projects/code");
    expect(listed.status).toBe(0);
    expect(listed.stdout.trim().split("\n").map((f) => f.replace("projects/code/", "")).sort()).toEqual(files);
    expect(packWorkdir("/", workdir).archive!.summary.files.map((f) => f.path)).toEqual(files);
  });

  it("stops a directory too large to ship, naming the largest files and the fix", () => {
    const dir = tree({ ...CODE, "checkpoints/model.bin": Buffer.alloc(MAX_WORKDIR_BYTES + 1, 1) });
    const problems = messages(packWorkdir("/", dir, "train.py"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^experiment\.workdir: holds 32 MiB in 4 files, more than the 32 MiB a run ships \(largest: checkpoints\/model\.bin \(32 MiB\), train\.py \(12 B\), /);
    expect(problems[0]).toContain("add them to .gitignore");
  });

  it("stops an archive over the ConfigMap limit, saying why", () => {
    // Random bytes do not compress: 1.5 MiB of them stays over the limit as tar.gz.
    const random = Buffer.alloc(1536 * 1024);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24 ^ (i & 0xff);
    const problems = messages(packWorkdir("/", tree({ ...CODE, "data.bin": random })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/a ConfigMap carries \(Kubernetes limits a ConfigMap to 1 MiB; shipping larger workdirs through S3 is not supported yet; largest: data\.bin/);
  });

  it("reports a missing directory relative to the project directory, and a script it lacks", () => {
    expect(messages(packWorkdir("/srv/project", "code/mine"))).toEqual([
      'experiment.workdir: is not a directory (got "code/mine", which resolves to /srv/project/code/mine; a relative workdir is relative to the project directory /srv/project)',
    ]);
    const dir = tree({ ...CODE, ".gitignore": "train.py\n" });
    expect(messages(packWorkdir("/", dir, "train.py"))).toEqual([
      'experiment.script: is not a file of the workdir (got "train.py"; the workdir ships: .gitignore, lib/model.py, requirements.txt; is it in .gitignore?)',
    ]);
    expect(packWorkdir("/", dir, "lib/../lib/model.py").problems).toEqual([]);
  });

  it("refuses symbolic links instead of following them out of the directory", () => {
    const dir = tree(CODE);
    fs.symlinkSync("/etc/passwd", path.join(dir, "passwd"));
    expect(messages(packWorkdir("/", dir))).toEqual([
      "experiment.workdir: passwd is a symbolic link, which is not shipped (replace it with the file, or add it to .gitignore)",
    ]);
  });

  it("refuses a file name with a backslash, which the launcher would not unpack, unless it is ignored", () => {
    const dir = tree({ ...CODE, "lib/a\\b.py": "Z = 3\n" });
    expect(messages(packWorkdir("/", dir))).toEqual([
      "experiment.workdir: lib/a\\b.py has a backslash in its name, which the pod cannot unpack (rename it, or add it to .gitignore)",
    ]);
    fs.writeFileSync(path.join(dir, ".gitignore"), "*\\\\*\n");
    expect(packWorkdir("/", dir).problems).toEqual([]);
  });

  it("refuses files that look like credentials, naming each, unless workdirAllow lists them", () => {
    const secrets = { ".env": "WANDB_API_KEY=abc\n", "conf/.env.local": "X=1\n", "keys/server.pem": "-----BEGIN\n", "deploy.key": "k\n", "ssh/id_ed25519": "k\n", ".aws/credentials": "[default]\n", ".netrc": "machine x\n", ".pypirc": "[pypi]\n" };
    const dir = tree({ ...CODE, ...secrets, "ssh/id_ed25519.pub": "ssh-ed25519 AAAA\n", "envs.py": "E = 1\n", "keyboard.py": "K = 1\n" });
    expect(messages(packWorkdir("/", dir, "train.py"))).toEqual([
      "experiment.workdir: ships files that look like credentials: .aws/credentials, .env, .netrc, .pypirc, conf/.env.local, deploy.key, keys/server.pem, ssh/id_ed25519; the workdir is stored in plain text (a ConfigMap and the Pulumi state), so pass secret values with secretEnv and add these files to the workdir's .gitignore, or list each file that holds no secret in experiment.workdirAllow (e.g. [\".aws/credentials\"])",
    ]);
    const allowed = Object.keys(secrets);
    expect(packWorkdir("/", dir, "train.py", allowed).problems).toEqual([]);
    expect(messages(packWorkdir("/", dir, "train.py", [...allowed.slice(1), "./keys/servr.pem"]))).toEqual([
      "experiment.workdir: ships files that look like credentials: .env; the workdir is stored in plain text (a ConfigMap and the Pulumi state), so pass secret values with secretEnv and add these files to the workdir's .gitignore, or list each file that holds no secret in experiment.workdirAllow (e.g. [\".env\"])",
      'experiment.workdirAllow[7]: names no file the workdir ships (got "./keys/servr.pem"; give its path relative to experiment.workdir)',
    ]);
    fs.writeFileSync(path.join(dir, ".gitignore"), ".env*\n*.pem\n*.key\nid_ed25519\ncredentials\n.netrc\n.pypirc\n");
    expect(packWorkdir("/", dir, "train.py").problems).toEqual([]);
  });

  it("is read back by Python's tarfile file for file, long paths included", () => {
    const long = `${"deep/".repeat(40)}module.py`;
    const dir = tree({ ...CODE, [long]: "Y = 2\n", "caf\u00e9.txt": "unicode\n" });
    const archive = packWorkdir("/", dir).archive!;
    const file = path.join(dir, "..", `${path.basename(dir)}.tar.gz`);
    fs.writeFileSync(file, archive.gzip);
    const py = [
      "import gzip, hashlib, json, sys, tarfile, io",
      "data = gzip.decompress(open(sys.argv[1], 'rb').read())",
      "t = tarfile.open(fileobj=io.BytesIO(data))",
      "print(json.dumps({'sha256': hashlib.sha256(data).hexdigest(), 'files': {m.name: [t.extractfile(m).read().decode(), m.mode, m.mtime, m.uid] for m in t}}))",
    ].join("\n");
    const run = spawnSync("/usr/bin/python3", ["-c", py, file], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const read = JSON.parse(run.stdout) as { sha256: string; files: Record<string, [string, number, number, number]> };
    expect(read.sha256).toBe(archive.summary.sha256);
    expect(read.files[long]).toEqual(["Y = 2\n", 0o644, 946684800, 0]);
    expect(read.files["caf\u00e9.txt"][0]).toBe("unicode\n");
    expect(Object.keys(read.files).sort()).toEqual(archive.summary.files.map((f) => f.path).sort());
  });

  it("ends with two zero blocks and pads every file to 512 bytes", () => {
    const tar = tarBytes([{ path: "a", data: Buffer.from("x"), executable: false }]);
    expect(tar.length).toBe(512 * 4);
    expect(tar.subarray(1024).every((b) => b === 0)).toBe(true);
  });
});

describe("script and workdir rules", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { load, problemsOf, T4_POOL } = require("./helpers/config") as typeof import("./helpers/config");

  it("a relative script needs a workdir and stays inside it", () => {
    expect(problemsOf(() => load({ nodePools: [T4_POOL], experiment: { name: "e", pool: "t4", script: "train.py" } }))).toEqual([
      'experiment.script: is a relative path, which names a file of experiment.workdir (got "train.py" and no workdir; set workdir to the directory that holds it, or give the script\'s absolute path in the image)',
    ]);
    expect(problemsOf(() => load({ nodePools: [T4_POOL], experiment: { name: "e", pool: "t4", script: "../x.py", workdir: "code" } }))).toEqual([
      'experiment.script: must stay inside the workdir (got "../x.py"; give its path relative to "code")',
    ]);
  });

  it("normalises setup to a list and keeps an image script with a workdir", () => {
    const spec = load({ nodePools: [T4_POOL], experiment: { name: "e", pool: "t4", script: "/opt/app/train.py", workdir: "code", setup: "pip install -r requirements.txt" } });
    expect(spec.experiment).toMatchObject({ setup: ["pip install -r requirements.txt"], workdir: "code", script: "/opt/app/train.py", secretEnv: [] });
  });

  it("reserves the workdir's paths in the pod for the launcher", () => {
    const output = { name: "out", mountPath: "/workdir", source: { type: "s3", bucket: "my-outputs" } };
    expect(problemsOf(() => load({ nodePools: [T4_POOL], experiment: { name: "e", pool: "t4", output } }))).toEqual([
      expect.stringMatching(/^experiment\.output\.mountPath: is reserved for the launcher \(got "\/workdir"; reserved: \/dev\/shm, \/opt\/gtc, \/workdir, \/opt\/gtc-workdir\)$/),
    ]);
  });
});
