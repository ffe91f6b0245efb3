import { describe, expect, it } from "vitest";
import { readLines } from "../../src/ingest/read-lines.ts";

async function collect(chunks: (Buffer | string)[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLines(chunks)) lines.push(line);
  return lines;
}

describe("readLines", () => {
  it("splits on LF and CRLF, keeps blank lines, and yields a last line without newline", async () => {
    expect(await collect(["a\r\nb\n", "\nc"])).toEqual(["a", "b", "", "c"]);
    expect(await collect(["a\n"])).toEqual(["a"]);
    expect(await collect([])).toEqual([]);
  });

  it("joins a character split between two chunks", async () => {
    const bytes = Buffer.from('{"name":"金水区老王烩面馆"}\n');
    const lines = await collect([bytes.subarray(0, 13), bytes.subarray(13)]);
    expect(lines).toEqual(['{"name":"金水区老王烩面馆"}']);
  });

  it("reads a chunk only when the consumer asks for more lines", async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield `${i}\n`;
      }
    }
    const lines = readLines(source());
    await lines.next();
    await lines.next();
    expect(pulled).toBe(2);
  });
});
