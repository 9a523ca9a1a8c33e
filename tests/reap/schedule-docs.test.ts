/** The scheduled-run examples of docs/teardown.md: Node 22, one reaper at a time, a timeout past the slowest destroy and under the update bound. */
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_UPDATE_BOUND_MINUTES } from "../../reap/decide";

const DOC = fs.readFileSync(path.resolve(__dirname, "../../docs/teardown.md"), "utf8");
const block = (lang: string, containing: string) => {
  const found = [...DOC.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]).find((b) => b.includes(containing));
  if (!found) throw new Error(`no \`\`\`${lang} block with ${containing} in docs/teardown.md`);
  return found;
};
/** A run must be allowed longer than an EKS stack's destroy, and end before its lock counts as stuck. */
const TIMEOUT_MINUTES = 90;

describe("the scheduled-run examples", () => {
  it("share one timeout, longer than an hour and shorter than the stuck-update bound", () => {
    expect(TIMEOUT_MINUTES).toBeGreaterThanOrEqual(60);
    expect(TIMEOUT_MINUTES).toBeLessThan(DEFAULT_UPDATE_BOUND_MINUTES);
  });

  it("GitHub Actions: Node 22, a concurrency group that queues, the timeout, credentials that outlive it", () => {
    const yaml = block("yaml", "npm run reap -- --yes");
    expect(yaml).toMatch(/node-version: 22\n/);
    expect(yaml).not.toMatch(/node-version: (1\d|20|21)\b/);
    expect(yaml).toMatch(/concurrency:\n {2}group: reap\n {2}cancel-in-progress: false/);
    expect(yaml).toContain(`timeout-minutes: ${TIMEOUT_MINUTES}\n`);
    const duration = Number(/role-duration-seconds: (\d+)/.exec(yaml)?.[1]);
    expect(duration / 60).toBeGreaterThan(TIMEOUT_MINUTES);
  });

  it("cron: flock for one at a time, timeout for a hung run", () => {
    const cron = block("cron", "npm run reap");
    expect(cron).toContain("flock -n /tmp/gpu-reap.lock timeout 90m ");
  });

  it("EventBridge: guards against a running reaper and bounds the run", () => {
    const sh = block("sh", "ecs list-tasks");
    expect(sh).toContain("--desired-status RUNNING");
    expect(sh).toContain(`exec timeout ${TIMEOUT_MINUTES}m npm run reap -- --yes`);
    expect(DOC).toMatch(/image with Node 22/);
  });
});
