import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { CANCEL_GROUNDS } from "../../src/categories/category-upkeep.ts";

// The operators' documents name every ground upkeep can list and a cancellation can give, so a
// ground added to CategoryCancelGround is not left out of them.

it.each(["docs/operator-guide.md", "docs/categories.md"])(
  "%s names every cancel ground",
  (file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    expect(CANCEL_GROUNDS.filter((ground) => !text.includes(`\`${ground}\``))).toEqual([]);
  },
);
