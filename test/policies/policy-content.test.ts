import { describe, expect, it } from "vitest";
import {
  checkPolicyContent,
  checkPolicyDefinition,
  contentHash,
} from "../../src/policies/policy-content.ts";
import { samplePolicy } from "./sample-policy.ts";

function issuesOf(input: unknown, base = "") {
  const result = checkPolicyContent(input, base);
  return result.ok ? [] : result.issues;
}

describe("policy content validation", () => {
  it("accepts a complete policy and defaults the grant period to a calendar year", () => {
    const result = checkPolicyContent(samplePolicy());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.content.grantPeriod).toBe("CALENDAR_YEAR");
    expect(result.value.content.effectiveUntil).toBeNull();
    expect(result.value.rule.facts).toEqual(["status", "type"]);
  });

  it("names the JSON path of each issue, inside rules too", () => {
    const issues = issuesOf(
      samplePolicy({
        kind: "GIFT",
        rule: { and: [{ "==": [{ var: "status" }, "ACTIVE"] }, { ">=": [{ var: "revenu" }, 1] }] },
        amount: { "+": [{ var: "type" }, 1] },
      }),
      "/input",
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toContain("/input/kind");
    expect(paths.some((p) => p.startsWith("/input/rule/and/1"))).toBe(true);
    expect(paths.some((p) => p.startsWith("/input/amount"))).toBe(true);
  });

  it("requires how to apply for APPLY policies", () => {
    expect(issuesOf(samplePolicy({ mode: "APPLY" }))).toEqual([
      { path: "/howToApply", message: "an APPLY policy must say how to apply" },
    ]);
    expect(issuesOf(samplePolicy({ mode: "APPLY", howToApply: "向区县人社部门申请" }))).toEqual([]);
  });

  it("needs an eligible and an ineligible example", () => {
    const [eligible] = samplePolicy().examples as unknown[];
    expect(issuesOf(samplePolicy({ examples: [eligible] }))).toEqual([
      { path: "/examples", message: "needs at least one ELIGIBLE and one INELIGIBLE example" },
    ]);
  });

  it("checks example facts against the catalog and the facts the rule reads", () => {
    const issues = issuesOf(
      samplePolicy({
        examples: [
          { name: "a", facts: { status: "ACTIVE" }, expected: "ELIGIBLE" },
          {
            name: "b",
            facts: { status: "OPEN", type: "GROWTH", colour: 1 },
            expected: "INELIGIBLE",
          },
          { name: "c", facts: { status: null, type: null }, expected: "UNDETERMINED" },
        ],
      }),
    );
    expect(issues).toEqual([
      {
        path: "/examples/0/facts",
        message: 'must give fact "type", which the rule reads (null for unknown)',
      },
      {
        path: "/examples/1/facts/status",
        message: "must be one of ACTIVE, REVOKED, DEREGISTERED, CANCELLED",
      },
      { path: "/examples/1/facts/colour", message: 'unknown fact "colour" (see the fact catalog)' },
      { path: "/examples/2/facts/status", message: 'fact "status" is never unknown: give a value' },
    ]);
  });

  it("refuses unknown fields, bad dates and a negative amount", () => {
    const paths = issuesOf(
      samplePolicy({ colour: "red", effectiveFrom: "2026-02-30", amount: -1 }),
    ).map((i) => i.path);
    expect(paths).toEqual(["/colour", "/amount", "/effectiveFrom"]);
    expect(issuesOf(samplePolicy({ effectiveUntil: "2025-12-31" })).map((i) => i.message)).toEqual([
      "must not be before effectiveFrom",
    ]);
  });

  it("checks a file's code and department", () => {
    const result = checkPolicyDefinition({ ...samplePolicy(), code: "bad code", department: "" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(["/code", "/department"]);
  });

  it("hashes content independently of key order", () => {
    const a = checkPolicyContent(samplePolicy());
    const reordered = Object.fromEntries(Object.entries(samplePolicy()).reverse());
    const b = checkPolicyContent(reordered);
    const c = checkPolicyContent(samplePolicy({ amount: 1001 }));
    if (!a.ok || !b.ok || !c.ok) throw new Error("expected valid content");
    expect(contentHash(a.value.content)).toBe(contentHash(b.value.content));
    expect(contentHash(a.value.content)).not.toBe(contentHash(c.value.content));
  });
});
