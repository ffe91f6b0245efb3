// The entry of a household parser thread. A worker thread does not inherit the TypeScript loader
// the CLI and the tests run under, so it registers tsx's own before loading the parser.
import { register } from "tsx/esm/api";

register();
await import("./household-parser-thread.ts");
