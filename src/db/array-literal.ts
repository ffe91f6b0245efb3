/** An element `array_in` reads as it is: no quote, brace, comma, backslash or space in it. */
const PLAIN = /^[0-9A-Za-z_.:+-]+$/;

/**
 * A PostgreSQL array literal (`{a,NULL,"b c"}`), for a parameter cast to an array type
 * (`${arrayLiteral(values)}::text[]`). pg builds the same literal from a JavaScript array, but
 * quotes and escapes every element with two regular expressions; a bulk statement's columns are
 * mostly codes, dates and numbers that need neither, which this leaves bare. Numbers are written
 * as JavaScript prints them (finite ones only: `1e+21` reads as a float), booleans as t and f,
 * null as NULL; a string is quoted when it is not plain, or when it spells NULL.
 */
export function arrayLiteral(values: readonly (string | number | boolean | null)[]): string {
  let literal = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ",";
    const value = values[i];
    if (value === null || value === undefined) literal += "NULL";
    else if (typeof value === "number") literal += numberElement(value);
    else if (typeof value === "boolean") literal += value ? "t" : "f";
    else if (PLAIN.test(value) && value.toUpperCase() !== "NULL") literal += value;
    else literal += `"${value.replace(/[\\"]/g, "\\$&")}"`;
  }
  return `${literal}}`;
}

function numberElement(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  return String(value);
}
