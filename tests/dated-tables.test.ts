/**
 * The one test that reads the wall clock. Every other program-level test runs on TEST_NOW
 * (tests/helpers/clock.ts), so the suite's verdict never changes with the date. This one runs the
 * offline plan of the default stack on today's date and checks what the plan says about the dated
 * table catalog/kubernetes-versions.ts: nothing while the table holds, and, once it has aged past
 * the default version's support, a warning that names the table and how to refresh it, while the
 * plan still succeeds. When it prints a notice, refresh the table from its source.
 */
import { DEFAULT_KUBERNETES_VERSION, VERSION_SUPPORT, VERSION_TABLE, utcDay } from "../catalog/kubernetes-versions";
import { planStack } from "./helpers/plan";
import { DEFAULT_STACK } from "../tools/plan";

it(`on today's date the offline plan still plans, and says whether ${VERSION_TABLE.file} is stale`, async () => {
  const today = new Date();
  const run = await planStack(DEFAULT_STACK, undefined, undefined, today);
  const stale = utcDay(today) > VERSION_SUPPORT[DEFAULT_KUBERNETES_VERSION].endOfStandardSupport;
  const staleWarnings = (run.plan.deploy?.warnings ?? []).filter((w) => w.includes(VERSION_TABLE.file));
  if (stale) {
    // Plain words for whoever reads the test log: what is stale and where to refresh it.
    console.warn(
      `${VERSION_TABLE.file} is stale: the default Kubernetes ${DEFAULT_KUBERNETES_VERSION} left standard support on ` +
        `${VERSION_SUPPORT[DEFAULT_KUBERNETES_VERSION].endOfStandardSupport}. Refresh the table and DEFAULT_KUBERNETES_VERSION from ${VERSION_TABLE.source}`,
    );
    expect(staleWarnings).toHaveLength(1);
    expect(staleWarnings[0]).toContain(VERSION_TABLE.source);
  } else {
    expect(staleWarnings).toEqual([]);
  }
  expect(run.json.resources.length).toBeGreaterThan(0);
});
