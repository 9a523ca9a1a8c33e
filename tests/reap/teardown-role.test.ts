/**
 * The teardown role covers every AWS resource type the stacks create: the types come from the
 * offline plans of every example stack (what `pulumi up` would register) and from the program's
 * sources (resources only some configurations create), never from a list kept by hand.
 */
import * as fs from "fs";
import * as path from "path";
import { DATA_DELETE_ACTIONS, TEARDOWN_ACTIONS, teardownPolicy } from "../../reap/teardown-policy";
import { PROJECT_DIR, planStack } from "../helpers/plan";

const EXAMPLE_STACKS = fs
  .readdirSync(path.join(PROJECT_DIR, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

/** `new aws.<module>.<Class>(` in components/, as the Pulumi type token aws:<module>/<class>:<Class>. */
function typesInSources(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) typesInSources(file).forEach((t) => found.add(t));
    else if (entry.name.endsWith(".ts")) {
      for (const m of fs.readFileSync(file, "utf8").matchAll(/new aws\.([a-z0-9]+)\.([A-Z][A-Za-z0-9]*)\(/g)) {
        found.add(`aws:${m[1]}/${m[2][0].toLowerCase()}${m[2].slice(1)}:${m[2]}`);
      }
    }
  }
  return found;
}

describe("the teardown role", () => {
  const planned = new Map<string, Set<string>>();

  beforeAll(async () => {
    for (const stack of EXAMPLE_STACKS) {
      const run = await planStack(stack);
      for (const r of run.json.resources) {
        // A resource read with Resource.get (the FSx file system) is only forgotten by destroy.
        if (r.type.startsWith("aws:") && !r.read) planned.set(r.type, new Set([...(planned.get(r.type) ?? []), stack]));
      }
    }
  }, 300_000);

  it("plans every example stack (the premise)", () => {
    expect(EXAMPLE_STACKS.length).toBeGreaterThanOrEqual(8);
    // The types the review found missing from the hand-written role are among them.
    expect([...planned.keys()]).toEqual(expect.arrayContaining(["aws:autoscaling/tag:Tag", "aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy"]));
  });

  it("has the actions of every AWS resource type an example stack creates", () => {
    const missing = [...planned.entries()].filter(([type]) => !TEARDOWN_ACTIONS[type]).map(([type, stacks]) => `${type} (${[...stacks].join(", ")})`);
    expect(missing).toEqual([]);
  });

  it("has the actions of every AWS resource type the program's sources create", () => {
    const sources = typesInSources(path.join(PROJECT_DIR, "components"));
    expect(sources.size).toBeGreaterThan(20);
    expect([...sources].filter((t) => !TEARDOWN_ACTIONS[t]).sort()).toEqual([]);
    // And no row for a type nothing creates any more.
    expect(Object.keys(TEARDOWN_ACTIONS).filter((t) => !sources.has(t) && !planned.has(t))).toEqual([]);
  });

  it("never deletes data", () => {
    const actions = teardownPolicy().Statement.flatMap((s) => s.Action);
    expect(actions.filter((a) => DATA_DELETE_ACTIONS.includes(a))).toEqual([]);
    expect(actions.every((a) => /^[a-z0-9-]+:[A-Z][A-Za-z]+$/.test(a))).toBe(true);
  });
});
