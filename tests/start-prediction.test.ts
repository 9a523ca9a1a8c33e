/** The plan's prediction of time to first step, from its stated model of scale-up and image pull. */
import { predictStart, renderStartPrediction } from "../plan/start-prediction";
import { renderQueueing } from "../plan/render-queueing";
import { IMAGE_PULL_MINUTES, SCALE_UP_MINUTES } from "../plan/queueing";
import { loadStack } from "./helpers/experiment";

describe("time to first step, predicted", () => {
  it("a pool at zero: the node's scale-up and boot, then the image pull", () => {
    const { plan } = loadStack("t4-smoke");
    expect(predictStart(plan)).toEqual({ scheduledMinutes: SCALE_UP_MINUTES.managed, pullMinutes: IMAGE_PULL_MINUTES, warm: false, setupCommands: 0 });
    expect(renderQueueing(plan)).toContain(
      `time to first step (predicted): admitted in seconds when quota is free, pod scheduled after about ${SCALE_UP_MINUTES.managed} min (a node scales up from zero and boots), image pulled after about ${IMAGE_PULL_MINUTES} min (none when the node has it), preflight and rendezvous in seconds, the GPU health check under a minute: about ${SCALE_UP_MINUTES.managed + IMAGE_PULL_MINUTES} min in all; npm run status shows the measured phases`,
    );
  });

  it("machines that are already up add no scale-up; setup commands are named, not predicted", () => {
    expect(predictStart(loadStack("rtx4090-existing").plan)).toMatchObject({ scheduledMinutes: 0, warm: true });
    expect(renderStartPrediction(loadStack("my-first-run").plan)).toMatch(/then your 1 setup command \(not predicted\)/);
  });
});
