import { beforeEach, expect, it } from "vitest";
import { authenticate, createToken, revokeToken } from "../../src/auth/tokens.ts";
import { describeEachEngine } from "../support/databases.ts";

describeEachEngine("tokens", (getDb) => {
  beforeEach(() => getDb().reset());

  it("authenticates a created token, stores only its hash, and refuses it once revoked", async () => {
    const { db } = getDb();
    const created = await createToken(db, { role: "OPERATOR", scopeCode: "410103" });
    const principal = await authenticate(db, `Bearer ${created.token}`);
    expect(principal).toEqual({ role: "OPERATOR", tokenId: created.id, countyCode: "410103" });

    const stored = await db.selectFrom("api_token").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(created.token);

    expect(await revokeToken(db, created.token)).toBe(true);
    await expect(authenticate(db, `Bearer ${created.token}`)).rejects.toThrow(/revoked/);
  });

  it("is PUBLIC without a header and refuses a malformed one", async () => {
    const { db } = getDb();
    expect(await authenticate(db, undefined)).toEqual({ role: "PUBLIC" });
    await expect(authenticate(db, "Basic abc")).rejects.toThrow(/Bearer/);
  });

  it("refuses a household token for an unknown USCC and a bad scope code", async () => {
    const { db } = getDb();
    await expect(
      createToken(db, { role: "HOUSEHOLD", scopeCode: "92410103A1JDY3TFAL" }),
    ).rejects.toThrow(/no household/);
    await expect(createToken(db, { role: "OPERATOR", scopeCode: "41" })).rejects.toThrow(
      /scope code/,
    );
  });
});
