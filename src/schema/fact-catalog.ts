import { INDUSTRY_SECTION_LABELS } from "../ingest/industries.ts";
import { VALUE_LABELS } from "../matching/explain-text.ts";
import { FACTS } from "../matching/fact-catalog.ts";
import type { FactDefinition, FactLevel, FactType } from "../matching/rule-types.ts";
import { builder } from "./builder.ts";

// 10: the facts a rule may read, for whoever writes rules (departments, banks) and for the
// public, who may read how households are described (the catalog holds no household data).

/**
 * The values' Chinese labels in the catalog: the explanations' (VALUE_LABELS), and the GB/T 4754
 * section names, which explanations leave as letters to keep a condition on one line.
 */
const CATALOG_VALUE_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ...VALUE_LABELS,
  industrySection: INDUSTRY_SECTION_LABELS,
};

const FACT_TYPES = {
  number: "NUMBER",
  integer: "INTEGER",
  string: "STRING",
  enum: "ENUM",
  boolean: "BOOLEAN",
  stringList: "STRING_LIST",
} as const satisfies Record<FactType, string>;

const FactTypeEnum = builder.enumType("FactType", {
  description: "The type of a fact's value (`null` is always unknown, never zero).",
  values: {
    NUMBER: { description: "A number (money in 元)." },
    INTEGER: { description: "A whole number." },
    STRING: { description: "Text, such as a county code." },
    ENUM: { description: "One of `values`." },
    BOOLEAN: { description: "true or false." },
    STRING_LIST: { description: "A list of `values`." },
  } as const,
});

const FactLevelEnum = builder.enumType("FactLevel", {
  description: "Who may filter on a fact.",
  values: {
    PUBLIC: { description: "Anyone, banks without consent too." },
    BANK: { description: "Banks, only with the household's consent." },
    INTERNAL: { description: "Staff and departments only." },
  } as const satisfies Record<FactLevel, unknown>,
});

const FactValue = builder
  .objectRef<{ value: string; labelZh: string | null }>("FactValue")
  .implement({
    description: "A value an enum or list fact may take, with its Chinese label.",
    fields: (t) => ({
      value: t.exposeString("value"),
      labelZh: t.exposeString("labelZh", { nullable: true }),
    }),
  });

const Fact = builder.objectRef<FactDefinition>("Fact").implement({
  description: 'A fact of the catalog: rules read facts by `name` (`{"var": name}`).',
  fields: (t) => ({
    name: t.exposeString("name"),
    type: t.field({ type: FactTypeEnum, resolve: (f) => FACT_TYPES[f.type] }),
    labelZh: t.exposeString("labelZh"),
    labelEn: t.exposeString("labelEn"),
    unit: t.exposeString("unit", { nullable: true, description: "元, 人, 年 … or null." }),
    level: t.field({ type: FactLevelEnum, resolve: (f) => f.level }),
    nullable: t.exposeBoolean("nullable", { description: "Whether the fact can be unknown." }),
    values: t.field({
      type: [FactValue],
      nullable: true,
      description: "For ENUM and STRING_LIST facts: the values that exist.",
      resolve: (f) =>
        f.values?.map((value) => ({
          value,
          labelZh: CATALOG_VALUE_LABELS[f.name]?.[value] ?? null,
        })) ?? null,
    }),
  }),
});

builder.queryField("factCatalog", (t) =>
  t.field({
    type: [Fact],
    description: "The facts rules may read, with labels, type, unit and level. Open to everyone.",
    authScopes: { public: true },
    resolve: () => [...FACTS],
  }),
);
