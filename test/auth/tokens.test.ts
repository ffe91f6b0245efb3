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

    expect(await revokeToken(db, created.token)).toEqual({ id: created.id });
    await expect(authenticate(db, `Bearer ${created.token}`)).rejects.toThrow(/revoked/);
    await expect(revokeToken(db, created.id)).rejects.toThrow(
      new RegExp(`token ${created.id} was already revoked at 20`),
    );
    await expect(revokeToken(db, "zx_operator_nosuchsecret")).rejects.toThrow(
      "no token with that id or secret",
    );
  });

  it("refuses an operator scope that is not a county-level area of Zhengzhou", async () => {
    const { db } = getDb();
    await expect(createToken(db, { role: "OPERATOR", scopeCode: "999999" })).rejects.toThrow(
      /"999999" is not a county-level area of Zhengzhou .*410103 二七区/,
    );
    expect(await db.selectFrom("api_token").select("id").execute()).toEqual([]);
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
