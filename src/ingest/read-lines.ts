import { StringDecoder } from "node:string_decoder";

/**
 * Lines of a UTF-8 byte stream (a file, standard input, an HTTP body), without their `\n` or
 * `\r\n`. A chunk is read only when the consumer asks for the next line, so a slow consumer
 * holds the producer back: readline's async iterator, by contrast, keeps reading ahead.
 */
export async function* readLines(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of input) {
    const text = rest + (typeof chunk === "string" ? chunk : decoder.write(chunk));
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      yield withoutCr(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== "") yield withoutCr(rest);
}

function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
