import { builder } from "./builder.ts";

builder.queryType({
  description: "Start at `household`, `households`, `factCatalog`, `policies` or `publicTyping`.",
  fields: (t) => ({
    serviceName: t.string({ description: "直享 Zhixiang", resolve: () => "直享 Zhixiang" }),
  }),
});
builder.mutationType({
  fields: (t) => ({
    ping: t.string({
      description: "Checks that mutations reach the service (any signed-in principal).",
      authScopes: { signedIn: true },
      resolve: () => "pong",
    }),
  }),
});
