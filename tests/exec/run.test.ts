/**
 * k8s/exec-run.ts: an exec run is the plan's run under a name of its own, labelled as not
 * Pulumi's, with a TTL, for single-node Jobs and multi-node JobSets alike; what it builds passes
 * the Kubernetes and CRD schemas.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { readLauncherFiles } from "../../components/launcher-files";
import { buildExperimentObjects, experimentInput } from "../../k8s/experiment";
import { EXEC_TTL_SECONDS, ExecJobSet, execRun, execRunName, isExecRunName, ownedByRun } from "../../k8s/exec-run";
import { RUN_HASH_LENGTH } from "../../config/run-name";
import { loadStack, pureObjects, validateManifests } from "../helpers/experiment";

function execObjects(stack: string, nonce = "1a2b3") {
  const { spec, plan, objects } = pureObjects(stack);
  const shipped = objects.workdirConfigMap && { archiveBase64: "", sha256: objects.workdirConfigMap.metadata!.annotations!["gpu-training-clusters.io/workdir-sha256"] };
  const input = { ...experimentInput(spec, plan, readLauncherFiles(), shipped), runName: execRunName(spec.experiment!.name, nonce) };
  return { stackObjects: objects, exec: execRun(buildExperimentObjects(input)) };
}

describe("exec runs", () => {
  it("are named like a stack run, never as one", () => {
    const name = execRunName("t4-smoke", "0beef");
    expect(name).toBe("t4-smoke-x0beef");
    expect(name.length).toBe("t4-smoke-".length + RUN_HASH_LENGTH);
    expect(isExecRunName("t4-smoke", name)).toBe(true);
    expect(isExecRunName("t4-smoke", pureObjects("t4-smoke").objects.runName)).toBe(false);
    expect(() => execRunName("t4-smoke", "xyz")).toThrow(/not 5 hex digits/);
  });

  it("multi-node: a JobSet with the TTL and the exec labels on the set, its Jobs and its pods", () => {
    const { stackObjects, exec } = execObjects("a100-2x8");
    expect(exec.kind).toBe("JobSet");
    const set = exec.object as ExecJobSet;
    expect(set.metadata.name).toBe("llm-a100-2x8-x1a2b3");
    expect(set.spec.ttlSecondsAfterFinished).toBe(EXEC_TTL_SECONDS);
    const marks = { "gpu-training-clusters.io/submitted-by": "exec", "app.kubernetes.io/managed-by": "gpu-training-clusters-exec" };
    expect(set.metadata.labels).toMatchObject(marks);
    expect(set.spec.replicatedJobs[0].template.metadata.labels).toMatchObject(marks);
    expect(set.spec.replicatedJobs[0].template.spec.template.metadata?.labels).toMatchObject(marks);
    expect(exec.collectionPath).toBe("/apis/jobset.x-k8s.io/v1alpha2/namespaces/a100-2x8/jobsets");
    // Everything else is the stack's run: same failure policy, same pod spec but for the run's name.
    expect(set.spec.failurePolicy).toEqual(stackObjects.jobSet!.spec.failurePolicy);
    const env = (o: { spec: { replicatedJobs: readonly { template: { spec: { template: { spec?: { containers: { env?: unknown }[] } } } } }[] } }) => JSON.stringify(o.spec.replicatedJobs[0].template.spec.template.spec!.containers[0].env);
    expect(env(set)).toBe(env(stackObjects.jobSet!).split(stackObjects.runName).join(set.metadata.name));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-exec-run-")), "run.yaml");
    fs.writeFileSync(file, stringify(set));
    const { status, results } = validateManifests([file]);
    expect({ status, errors: results.flatMap((r) => r.errors) }).toEqual({ status: 0, errors: [] });
  });

  it("a workdir ConfigMap of the run's own, which the pod mounts and the run owns", () => {
    const { stackObjects, exec } = execObjects("my-first-run");
    expect(exec.workdirConfigMap?.metadata?.name).toBe("my-first-run-x1a2b3-workdir");
    expect(exec.workdirConfigMap?.data).toEqual(stackObjects.workdirConfigMap?.data);
    const volumes = (exec.object.spec as { template: { spec: { volumes: { configMap?: { name: string } }[] } } }).template.spec.volumes;
    const names = volumes.flatMap((v) => (v.configMap ? [v.configMap.name] : []));
    expect(names).toContain("my-first-run-x1a2b3-workdir");
    expect(names).not.toContain(stackObjects.workdirConfigMap!.metadata!.name);
    const owned = ownedByRun(exec.workdirConfigMap!, { kind: "Job", name: exec.name, uid: "u-1" });
    expect(owned.metadata?.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: "my-first-run-x1a2b3", uid: "u-1" }]);
    expect(loadStack("my-first-run").spec.experiment?.workdir).toBeDefined();
  });
});
