/**
 * Benchmark (not a test): `npm run exec` from the command to the run object created on a stand-in
 * API server on 127.0.0.1 (tests/exec/fake-api-server.ts). Each round spawns the CLI as a user runs
 * it (tsx tools/exec.ts, no npm wrapper) and times the spawn to the arrival of its POST of the run.
 *
 *   npm run bench:exec [-- ROUNDS] [STACK]
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildExecRun } from "../../tools/exec";
import { CONFIG_MAPS, LOCAL_QUEUES, SECRETS, startFakeApi } from "./fake-api-server";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const stack = process.argv[3] ?? "t4-smoke";
  const { run, localQueue } = buildExecRun(ROOT, path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), {}, "00000");
  const experiment = run.name.replace(/-x00000$/, "");
  const api = await startFakeApi({
    objects: {
      [LOCAL_QUEUES(stack)]: [{ metadata: { name: localQueue } }],
      [CONFIG_MAPS(stack)]: [{ metadata: { name: `${experiment}-launcher` } }],
      [SECRETS(stack)]: [{ metadata: { name: `${experiment}-secret-env` } }],
    },
    kueue: { admit: true },
  });
  const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-bench-")), "config");
  fs.writeFileSync(kubeconfig, api.kubeconfig);
  const times: number[] = [];
  const cpus: number[] = [];
  // GNU time gives the CPU time of the whole command (tsx and the node process it starts): on a
  // shared machine the wall time measures the neighbours too.
  const gnuTime = fs.existsSync("/usr/bin/time");
  const cpuFile = path.join(path.dirname(kubeconfig), "cpu");
  for (let i = 0; i < rounds; i++) {
    const before = api.requests.length;
    const command = [TSX, path.join(ROOT, "tools", "exec.ts"), stack, "--kubeconfig", kubeconfig];
    const [bin, ...args] = gnuTime ? ["/usr/bin/time", "-f", "%U %S", "-o", cpuFile, ...command] : command;
    const start = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(bin, args, { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, GTC_EXEC_ADMISSION_WAIT_MS: "0" } });
      child.on("close", resolve);
    });
    const post = api.requests.slice(before).find((r) => r.line.startsWith(`POST ${run.collectionPath}`));
    if (code !== 0 || !post) throw new Error(`round ${i + 1}: exec exited ${code}${post ? "" : " without creating the run"}`);
    times.push(post.at - start);
    const cpu = gnuTime ? fs.readFileSync(cpuFile, "utf8").trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0) * 1000 : NaN;
    cpus.push(cpu);
    process.stdout.write(`round ${i + 1}: ${post.at - start} ms to the run created${gnuTime ? ` (whole command: ${Math.round(cpu)} ms of CPU)` : ""}\n`);
  }
  await api.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const sorted = [...times].sort((a, b) => a - b);
  process.stdout.write(
    `npm run exec ${stack}: command to run created: median ${median(times)} ms (min ${sorted[0]}, max ${sorted[sorted.length - 1]}) over ${rounds} rounds` +
      `${gnuTime ? `; CPU of the whole command: median ${Math.round(median(cpus))} ms` : ""} (${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
