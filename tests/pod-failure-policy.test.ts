/**
 * The pod failure policies as the API server validates them (kubernetes
 * pkg/apis/batch/validation/validation.go, validatePodFailurePolicyRuleOnExitCodes): onExitCodes
 * values strictly ascending, no duplicates, no 0 under operator In; at most 20 rules.
 */
import { childPodFailurePolicy, singleNodePodFailurePolicy } from "../k8s/failure-policy";

describe.each([
  ["single-node Job", singleNodePodFailurePolicy()],
  ["JobSet child Job", childPodFailurePolicy()],
])("%s pod failure policy", (_, policy) => {
  it("has exit code lists the API server accepts", () => {
    expect(policy.rules.length).toBeLessThanOrEqual(20);
    for (const rule of policy.rules) {
      const codes = rule.onExitCodes;
      if (!codes) continue;
      expect(codes.values.length).toBeGreaterThan(0);
      expect(codes.values.length).toBeLessThanOrEqual(255);
      for (let i = 1; i < codes.values.length; i++) expect(codes.values[i]).toBeGreaterThan(codes.values[i - 1]);
      if (codes.operator === "In") expect(codes.values).not.toContain(0);
    }
  });
});
