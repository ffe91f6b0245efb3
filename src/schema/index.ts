// Imports every type module (each registers itself on the builder) and builds the schema.
// One line per area; keep them sorted.
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./bank.ts";
import "./category.ts";
import "./fact-catalog.ts";
import "./grant.ts";
import "./health.ts";
import "./household.ts";
import "./policy.ts";
import "./typing.ts";

export const schema = builder.toSchema({ sortSchema: true });
