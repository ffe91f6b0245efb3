import { Worker } from "node:worker_threads";
import { type LineBatch, type ParsedBatch, parseBatch } from "./household-batch.ts";
import { createHouseholdValidator } from "./household-validator.ts";

/** Turns batches of lines into ParsedBatches, answering in any order; close() frees it. */
export interface BatchParser {
  parse(batch: LineBatch): Promise<ParsedBatch>;
  close(): Promise<void>;
}

/** Parses in the calling thread: for inputs of one batch, where starting a thread costs more. */
export function inThreadParser(): BatchParser {
  const validate = createHouseholdValidator();
  return {
    parse: async (batch) => parseBatch(validate, batch),
    close: async () => {},
  };
}

interface Waiting {
  resolve: (parsed: ParsedBatch) => void;
  reject: (error: Error) => void;
}

/**
 * Parses in `threads` worker threads, the batches handed out in turn. Validation, the canonical
 * form, its hash and the array literals are most of an import's work in Node; in threads they
 * run beside the writer and the database. A thread that fails fails every batch it was given and
 * every later one, so the import stops and its transaction rolls back.
 */
export function threadParser(threads: number): BatchParser {
  const waiting = new Map<number, Waiting>();
  let failure: Error | null = null;
  let closing = false;
  const fail = (error: Error) => {
    failure ??= error;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  const workers = Array.from({ length: Math.max(1, threads) }, () => {
    const worker = new Worker(new URL("./parser-thread-entry.js", import.meta.url));
    worker.on("message", (message: { id: number; parsed: ParsedBatch }) => {
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      w?.resolve(message.parsed);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!closing) fail(new Error(`a household parser thread stopped (exit code ${code})`));
    });
    return worker;
  });
  let nextId = 0;
  return {
    parse(batch) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      const worker = workers[id % workers.length] as Worker;
      return new Promise<ParsedBatch>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, batch });
      });
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
