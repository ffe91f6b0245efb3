import { parentPort } from "node:worker_threads";
import { type LineBatch, parseBatch } from "./household-batch.ts";
import { createHouseholdValidator } from "./household-validator.ts";

// A parser thread (household-parsers.ts): validates the batches it is sent and answers each with
// its ParsedBatch, tagged with the batch's id. Started through parser-thread-entry.js.
const port = parentPort;
if (!port) throw new Error("household-parser-thread runs in a worker thread");
const validate = createHouseholdValidator();
port.on("message", (message: { id: number; batch: LineBatch }) => {
  port.postMessage({ id: message.id, parsed: parseBatch(validate, message.batch) });
});
