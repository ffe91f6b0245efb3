import fc from "fast-check";
import { FACTS } from "../../src/matching/fact-catalog.ts";
import type { FactDefinition, FactValue } from "../../src/matching/rule-types.ts";

/**
 * Random rules of the rule language, well typed against the catalog, and random fact rows
 * with unknown (null) facts: the inputs of the agreement properties (JS evaluator, compiled
 * SQL, json-logic-js).
 */

type Json = unknown;

const byType = (...types: FactDefinition["type"][]) =>
  FACTS.filter((f) => types.includes(f.type)).map((f) => f.name);

const NUMBER_FACTS = byType("number", "integer");
const BOOLEAN_FACTS = byType("boolean");
const STRING_FACTS = FACTS.filter((f) => f.type === "string" || f.type === "enum");
const LIST_FACTS = FACTS.filter((f) => f.type === "stringList");
const ALL_NAMES = FACTS.map((f) => f.name);

/** Strings for free-text facts: codes that share prefixes, so substring tests hit and miss. */
const TEXTS = ["410102", "410105", "4101", "41", "5311", "531", "F5311", "52", ""];

function poolOf(fact: FactDefinition): readonly string[] {
  return fact.values ?? TEXTS;
}

/** Decimals, negatives, zero, thresholds of the seed and large values (kept far from overflow). */
export const numberValue: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 3, 5, 6, 10, 10_000, 300_000, 600_000, 0.1, 0.2, 0.3),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 100),
  fc.integer({ min: -100_000_000, max: 100_000_000 }),
);

const integerValue: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
);

function factValue(fact: FactDefinition): fc.Arbitrary<FactValue> {
  switch (fact.type) {
    case "number":
      return numberValue;
    case "integer":
      return integerValue;
    case "string":
    case "enum":
      return fc.constantFrom(...poolOf(fact));
    case "boolean":
      return fc.boolean();
    case "stringList":
      return fc.subarray([...(fact.values ?? TEXTS)]);
  }
}

/** A household's facts: every catalog fact, each unknown (null) one time in four. */
export const factRow: fc.Arbitrary<Record<string, FactValue>> = fc.record(
  Object.fromEntries(
    FACTS.map((fact) => [fact.name, fc.option(factValue(fact), { freq: 4, nil: null })]),
  ),
);

/** A row where every fact is known. */
export const knownFactRow: fc.Arbitrary<Record<string, FactValue>> = fc.record(
  Object.fromEntries(FACTS.map((fact) => [fact.name, factValue(fact)])),
);

const v = (name: string) => ({ var: name });
const pick = <T>(items: readonly T[]) => fc.constantFrom(...items);

interface Arbitraries {
  number: fc.Arbitrary<Json>;
  condition: fc.Arbitrary<Json>;
  stringOf: (fact: FactDefinition) => fc.Arbitrary<Json>;
}

const levels: Arbitraries[] = [];

/** Generators of numbers, conditions and strings nested at most `depth` operators deep. */
function arbitrariesAt(depth: number): Arbitraries {
  const cached = levels[depth];
  if (cached) return cached;
  const below = depth > 0 ? arbitrariesAt(depth - 1) : null;

  const numberLeaf = fc.oneof(pick(NUMBER_FACTS).map(v), pick(NUMBER_FACTS).map(v), numberValue);
  const numberOperand = below
    ? fc.oneof({ weight: 3, arbitrary: numberLeaf }, below.number)
    : numberLeaf;
  const operands = (min: number, max: number) =>
    fc.array(numberOperand, { minLength: min, maxLength: max });
  const number: fc.Arbitrary<Json> = below
    ? fc.oneof(
        { weight: 3, arbitrary: numberLeaf },
        { weight: 1, arbitrary: operands(1, 3).map((xs) => ({ "+": xs })) },
        { weight: 1, arbitrary: operands(1, 3).map((xs) => ({ "*": xs })) },
        { weight: 1, arbitrary: operands(1, 2).map((xs) => ({ "-": xs })) },
        { weight: 1, arbitrary: operands(2, 2).map((xs) => ({ "/": xs })) },
        { weight: 1, arbitrary: operands(1, 3).map((xs) => ({ min: xs })) },
        { weight: 1, arbitrary: operands(1, 3).map((xs) => ({ max: xs })) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(below.condition, numberOperand, numberOperand)
            .map((xs) => ({ if: xs })),
        },
      )
    : numberLeaf;

  const stringCache = new Map<string, fc.Arbitrary<Json>>();
  const stringOf = (fact: FactDefinition): fc.Arbitrary<Json> => {
    let arbitrary = stringCache.get(fact.name);
    if (!arbitrary) {
      const leaf = fc.oneof(fc.constant(v(fact.name)), pick(poolOf(fact)));
      arbitrary = below
        ? fc.oneof(
            { weight: 4, arbitrary: leaf },
            {
              weight: 1,
              arbitrary: fc
                .tuple(below.condition, below.stringOf(fact), below.stringOf(fact))
                .map((xs) => ({ if: xs })),
            },
          )
        : leaf;
      stringCache.set(fact.name, arbitrary);
    }
    return arbitrary;
  };

  const equality = pick(["==", "===", "!=", "!=="] as const);
  const ordering = pick(["<", "<=", ">", ">="] as const);
  const stringFact = pick(STRING_FACTS);

  /** A condition on the current item of a list whose values are `values`. */
  const itemCondition = (values: readonly string[]): fc.Arbitrary<Json> => {
    const leaf = fc.oneof(
      fc.tuple(equality, pick(values)).map(([op, x]) => ({ [op]: [v(""), x] })),
      fc.subarray([...values]).map((xs) => ({ in: [v(""), xs] })),
      pick(["VET", "AN", "", "X"]).map((x) => ({ in: [x, v("")] })),
      fc.constant({ "==": [v(""), null] }),
      fc.boolean(),
      // Unknown for every item when the divisor is 0: exercises unknown items in SQL.
      fc
        .tuple(numberValue, fc.constantFrom(0, 0, 2), numberValue)
        .map(([a, b, c]) => ({ ">": [{ "/": [a, b] }, c] })),
    );
    return fc.oneof(
      { weight: 4, arbitrary: leaf },
      { weight: 1, arbitrary: leaf.map((x) => ({ "!": x })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(pick(["and", "or"] as const), fc.array(leaf, { minLength: 1, maxLength: 3 }))
          .map(([op, xs]) => ({ [op]: xs })),
      },
    );
  };

  const leafCondition: fc.Arbitrary<Json> = fc.oneof(
    pick(BOOLEAN_FACTS).map(v),
    // Comparing with null asks whether the fact is unknown.
    fc
      .tuple(equality, pick(ALL_NAMES), fc.boolean())
      .map(([op, name, nullFirst]) => ({ [op]: nullFirst ? [null, v(name)] : [v(name), null] })),
    fc.tuple(ordering, numberOperand, numberOperand).map(([op, a, b]) => ({ [op]: [a, b] })),
    fc.tuple(equality, numberOperand, numberOperand).map(([op, a, b]) => ({ [op]: [a, b] })),
    fc
      .tuple(pick(["<", "<="] as const), numberOperand, numberOperand, numberOperand)
      .map(([op, a, b, c]) => ({ [op]: [a, b, c] })),
    stringFact.chain((fact) =>
      fc.tuple(equality, stringOf(fact), stringOf(fact)).map(([op, a, b]) => ({ [op]: [a, b] })),
    ),
    fc
      .tuple(equality, pick(BOOLEAN_FACTS), fc.oneof(fc.boolean(), pick(BOOLEAN_FACTS).map(v)))
      .map(([op, a, b]) => ({ [op]: [v(a), b] })),
    stringFact.chain((fact) =>
      fc.tuple(stringOf(fact), fc.subarray([...poolOf(fact)])).map(([x, xs]) => ({ in: [x, xs] })),
    ),
    fc
      .tuple(numberOperand, fc.array(numberValue, { maxLength: 4 }))
      .map(([x, xs]) => ({ in: [x, xs] })),
    fc
      .tuple(pick(TEXTS), pick(STRING_FACTS.filter((f) => f.type === "string")))
      .map(([x, fact]) => ({ in: [x, v(fact.name)] })),
    ...LIST_FACTS.map((fact) =>
      fc.oneof(
        pick(fact.values ?? TEXTS).map((x) => ({ in: [x, v(fact.name)] })),
        fc
          .tuple(pick(["some", "all", "none"] as const), itemCondition(fact.values ?? TEXTS))
          .map(([op, p]) => ({ [op]: [v(fact.name), p] })),
        fc.constant({ "!": v(fact.name) }),
      ),
    ),
    fc.subarray(ALL_NAMES, { maxLength: 3 }).map((names) => ({ "!!": { missing: names } })),
    fc.subarray(ALL_NAMES, { maxLength: 3 }).map((names) => ({ "!": { missing: names } })),
    fc
      .tuple(pick(ALL_NAMES), fc.subarray(ALL_NAMES, { maxLength: 3 }))
      .map(([name, names]) => ({ in: [name, { missing: names }] })),
    numberOperand.map((x) => ({ "!!": x })),
    stringFact.chain((fact) => stringOf(fact).map((x) => ({ "!": x }))),
    fc.boolean(),
  );

  const condition: fc.Arbitrary<Json> = below
    ? fc.oneof(
        { weight: 4, arbitrary: leafCondition },
        {
          weight: 2,
          arbitrary: fc
            .tuple(
              pick(["and", "or"] as const),
              fc.array(below.condition, { minLength: 1, maxLength: 3 }),
            )
            .map(([op, xs]) => ({ [op]: xs })),
        },
        { weight: 1, arbitrary: below.condition.map((x) => ({ "!": x })) },
        { weight: 1, arbitrary: below.condition.map((x) => ({ "!!": x })) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.oneof(below.condition, below.number),
              below.condition,
              below.condition,
              below.condition,
              below.condition,
            )
            .map((xs) => ({ if: xs })),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(below.condition, below.condition, below.condition)
            .map((xs) => ({ if: xs })),
        },
      )
    : leafCondition;

  const made = { number, condition, stringOf };
  levels[depth] = made;
  return made;
}

/** An eligibility rule (true/false), at most 4 operators deep. */
export const conditionRule: fc.Arbitrary<Json> = fc
  .integer({ min: 0, max: 3 })
  .chain((depth) => arbitrariesAt(depth).condition);

/** An amount rule (a number). */
export const amountRule: fc.Arbitrary<Json> = fc
  .integer({ min: 1, max: 2 })
  .chain((depth) => arbitrariesAt(depth).number);
