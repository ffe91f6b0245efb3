import { BadInputError } from "../errors.ts";

/**
 * 统一社会信用代码 (USCC) per GB 32100-2015: 18 characters from a 31-character set (digits and
 * capitals without I, O, Z, S, V); the 18th is a check character over the first 17.
 */

export const USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** GB 32100-2015 §5 weights for positions 1-17 (3^(i-1) mod 31). */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

const VALUE_OF = new Map([...USCC_CHARSET].map((c, i) => [c, i]));

/** The check character for the first 17 characters, or null when one is outside the charset. */
export function usccCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = VALUE_OF.get(first17[i] as string);
    if (value === undefined) return null;
    sum += value * (WEIGHTS[i] as number);
  }
  // check = 31 − (Σ mod 31), and 31 (a sum divisible by 31) maps to 0.
  return USCC_CHARSET[(31 - (sum % 31)) % 31] as string;
}

/** The USCC whose first 17 characters are given: they followed by their check character. */
export function withCheckCharacter(first17: string): string {
  const check = usccCheckCharacter(first17);
  if (check === null) throw new Error(`not the first 17 characters of a USCC: ${first17}`);
  return first17 + check;
}

/** Whether `text` is 18 characters of the charset (the check character is not looked at). */
export function isUsccShaped(text: string): boolean {
  if (text.length !== 18) return false;
  for (const c of text) if (!VALUE_OF.has(c)) return false;
  return true;
}

/** Whether `uscc` is 18 characters of the charset whose last is the right check character. */
export function isValidUscc(uscc: string): boolean {
  return uscc.length === 18 && usccCheckCharacter(uscc.slice(0, 17)) === uscc[17];
}

/**
 * Refuses text that cannot be a USCC, saying why (length, a character outside the set, or the
 * check character), so that a mistyped code is not answered as "no such household".
 */
export function requireUscc(uscc: string, argument = "uscc"): void {
  if (isValidUscc(uscc)) return;
  const reason = !isUsccShaped(uscc)
    ? "must be 18 characters from 0-9 and A-Z without I, O, S, V, Z"
    : `has check character ${uscc[17]}; GB 32100-2015 gives ${usccCheckCharacter(uscc.slice(0, 17))} (a character is mistyped)`;
  throw new BadInputError(`${argument} "${uscc}" is not a USCC: it ${reason}`, argument);
}
