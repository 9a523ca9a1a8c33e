import { execFileSync } from "child_process";
import * as path from "path";
import { LAUNCHER_EXIT } from "../config/launcher-exit-codes";

const LAUNCHER = path.join(__dirname, "..", "images", "launcher");
const PYTHON = process.env.GTC_TEST_PYTHON ?? "/usr/bin/python3";

describe("the launcher's exit codes", () => {
  it("are the numbers the podFailurePolicy is written against", () => {
    const out = execFileSync(PYTHON, ["-c", "import json, supervise as s; print(json.dumps([s.STOPPED, s.PEER_LOST, s.RESTART_LIMIT, s.GPU_UNHEALTHY]))"], {
      cwd: LAUNCHER,
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual([LAUNCHER_EXIT.stopped, LAUNCHER_EXIT.peerLost, LAUNCHER_EXIT.restartLimit, LAUNCHER_EXIT.gpuUnhealthy]);
  });
});
