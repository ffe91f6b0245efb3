import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BadInputError } from "../../src/errors.ts";
import {
  isValidUscc,
  requireUscc,
  USCC_CHARSET,
  usccCheckCharacter,
  withCheckCharacter,
} from "../../src/ingest/uscc.ts";

const EXAMPLE = new URL("../../../shared/contracts/examples/households.jsonl", import.meta.url);

describe("USCC check character (GB 32100-2015)", () => {
  it("accepts the contract's example households", () => {
    const usccs = readFileSync(
      new URL("./fixtures/example-households.jsonl", import.meta.url),
      "utf8",
    )
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).uscc as string);
    expect(usccs).toHaveLength(5);
    for (const uscc of usccs) expect(isValidUscc(uscc), uscc).toBe(true);
  });

  it("computes 31 − (Σ mod 31) with the standard's weights, 31 becoming 0", () => {
    // 9·1 + 2·3 + 4·9 + 1·27 + 0·19 + 1·26 + 0·16 + 3·17 = 155 = 5·31: 31 − 0 = 31, written 0.
    expect(usccCheckCharacter("92410103000000000")).toBe("0");
    // Only the 17th: 1·28 = 28, 31 − 28 = 3.
    expect(usccCheckCharacter("00000000000000001")).toBe("3");
    // Only the 10th: A (10)·29 = 290 = 9·31 + 11, 31 − 11 = 20, which is the character L.
    expect(usccCheckCharacter("000000000A0000000")).toBe("L");
    expect(usccCheckCharacter("9241010300000000I")).toBeNull();
    expect(usccCheckCharacter("924101030000")).toBeNull();
  });

  it("detects every single-character substitution", () => {
    const char = fc.constantFrom(...USCC_CHARSET);
    fc.assert(
      fc.property(
        fc.array(char, { minLength: 17, maxLength: 17 }),
        fc.nat(16),
        char,
        (chars, position, replacement) => {
          const first17 = chars.join("");
          const uscc = first17 + usccCheckCharacter(first17);
          expect(isValidUscc(uscc)).toBe(true);
          fc.pre(chars[position] !== replacement);
          const altered = [...chars];
          altered[position] = replacement;
          expect(isValidUscc(altered.join("") + uscc[17])).toBe(false);
        },
      ),
    );
  });

  it("has the example file beside the contract when the shared folder exists", () => {
    try {
      readFileSync(EXAMPLE);
    } catch {
      return; // a checkout without the shared folder: the fixture copy above is the test
    }
    expect(readFileSync(EXAMPLE, "utf8")).toBe(
      readFileSync(new URL("./fixtures/example-households.jsonl", import.meta.url), "utf8"),
    );
  });
});

describe("requireUscc", () => {
  it("passes a valid USCC and says why anything else is not one", () => {
    const valid = withCheckCharacter("92410103MA0000001");
    expect(() => requireUscc(valid)).not.toThrow();
    expect(() => requireUscc("bogus")).toThrow(
      /uscc "bogus" is not a USCC: it must be 18 characters/,
    );
    const wrong = `${valid.slice(0, 17)}${valid[17] === "0" ? "1" : "0"}`;
    expect(() => requireUscc(wrong, "uscc")).toThrow(
      new RegExp(`has check character ${wrong[17]}; GB 32100-2015 gives ${valid[17]}`),
    );
    let error: unknown;
    try {
      requireUscc("bogus", "<uscc>");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).argument).toBe("<uscc>");
  });
});
