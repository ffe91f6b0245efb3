import type { PolicyEditor } from "../../src/policies/policy-registry.ts";

export const SAMR: PolicyEditor = { departmentCode: "SAMR_ZZ", actor: "DEPARTMENT:SAMR_ZZ:t1" };
export const TAX: PolicyEditor = { departmentCode: "TAX_ZZ", actor: "DEPARTMENT:TAX_ZZ:t2" };

/** A small valid policy: 三(一)3 成长型, 1000 元 for active GROWTH households. */
export function samplePolicy(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: "成长型个体工商户测试补贴",
    kind: "SUBSIDY",
    mode: "AUTO",
    rule: { and: [{ "==": [{ var: "status" }, "ACTIVE"] }, { "==": [{ var: "type" }, "GROWTH"] }] },
    benefit: "按年给予补贴",
    amount: 1000,
    legalBasis: { document: "郑市监〔2025〕6号", clause: "三(一)3 成长型" },
    effectiveFrom: "2026-01-01",
    examples: [
      {
        name: "成长型",
        facts: { status: "ACTIVE", type: "GROWTH" },
        expected: "ELIGIBLE",
        expectedAmount: 1000,
      },
      { name: "生存型", facts: { status: "ACTIVE", type: "SURVIVAL" }, expected: "INELIGIBLE" },
    ],
    ...overrides,
  };
}
