import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api } from "./helpers";
import { OTHER_KEY, SECOND_KEY } from "./setup";

interface SecretView {
  name: string;
  allowedHosts: string[] | null;
  bound: boolean;
  createdAt: number;
  updatedAt: number;
}
interface Refusal {
  error: { code: string; message: string; details?: { errors: { at: string; message: string }[] } };
}

/** What D1 holds for a secret (only tenant A stores any here): ciphertext and binding column. */
async function stored(name: string) {
  return env.DB.prepare("SELECT ciphertext, allowed_hosts FROM secrets WHERE name = ?")
    .bind(name)
    .first<{ ciphertext: string; allowed_hosts: string | null }>();
}

async function listed(key?: string): Promise<SecretView[]> {
  const res = await api<{ secrets: SecretView[] }>("GET", "/api/secrets", undefined, key);
  expect(res.status).toBe(200);
  return res.body.secrets;
}

describe("secrets bound to hosts", () => {
  it("are set with their hosts (written canonically) and listed with them; others show unbound", async () => {
    const set = await api("PUT", "/api/secrets/STRIPE_KEY", {
      value: "sk_test_bound",
      allowedHosts: ["API.Stripe.com.", "*.stripe.com", "api.stripe.com"],
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      name: "STRIPE_KEY",
      allowedHosts: ["api.stripe.com", "*.stripe.com"],
      bound: true,
    });
    expect((await api("PUT", "/api/secrets/LEGACY", { value: "old" })).body).toMatchObject({
      allowedHosts: null,
      bound: false,
    });

    const secrets = await listed();
    expect(secrets.map(({ name, allowedHosts, bound }) => ({ name, allowedHosts, bound }))).toEqual(
      [
        { name: "LEGACY", allowedHosts: null, bound: false },
        { name: "STRIPE_KEY", allowedHosts: ["api.stripe.com", "*.stripe.com"], bound: true },
      ],
    );
    expect(JSON.stringify(secrets)).not.toContain("sk_test_bound");
    expect((await stored("STRIPE_KEY"))?.allowed_hosts).toBe('["api.stripe.com","*.stripe.com"]');
    expect((await stored("LEGACY"))?.allowed_hosts).toBeNull();
  });

  it("keep their binding when a PUT changes only the value; null unbinds", async () => {
    await api("PUT", "/api/secrets/ROTATED", { value: "v1", allowedHosts: ["hooks.example.com"] });
    const before = await stored("ROTATED");
    const rotated = await api("PUT", "/api/secrets/ROTATED", { value: "v2" });
    expect(rotated.body).toMatchObject({ allowedHosts: ["hooks.example.com"], bound: true });
    const after = await stored("ROTATED");
    expect(after?.ciphertext).not.toBe(before?.ciphertext);
    expect(after?.allowed_hosts).toBe('["hooks.example.com"]');

    const unbound = await api("PUT", "/api/secrets/ROTATED", { value: "v3", allowedHosts: null });
    expect(unbound.body).toMatchObject({ allowedHosts: null, bound: false });
    expect((await stored("ROTATED"))?.allowed_hosts).toBeNull();
  });

  it("PATCH changes or removes the binding and leaves the value alone", async () => {
    await api("PUT", "/api/secrets/PATCHED", { value: "the-value" });
    const { ciphertext } = (await stored("PATCHED"))!;

    const bound = await api<SecretView>("PATCH", "/api/secrets/PATCHED", {
      allowedHosts: ["*.example.com", "203.0.113.7", "[2001:DB8::1]"],
    });
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({
      name: "PATCHED",
      allowedHosts: ["*.example.com", "203.0.113.7", "[2001:db8::1]"],
      bound: true,
    });
    expect((await listed()).find((s) => s.name === "PATCHED")?.allowedHosts).toEqual([
      "*.example.com",
      "203.0.113.7",
      "[2001:db8::1]",
    ]);

    const unbound = await api<SecretView>("PATCH", "/api/secrets/PATCHED", { allowedHosts: null });
    expect(unbound.body).toMatchObject({ allowedHosts: null, bound: false });
    expect(await stored("PATCHED")).toEqual({ ciphertext, allowed_hosts: null });

    const unknown = await api<Refusal>("PATCH", "/api/secrets/NO_SUCH", { allowedHosts: null });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("NO_SUCH");
  });

  it("refuse bad entries with the path of each and change nothing", async () => {
    await api("PUT", "/api/secrets/GUARDED", { value: "keep-me", allowedHosts: ["a.example.com"] });
    const before = await stored("GUARDED");

    const put = await api<Refusal>("PUT", "/api/secrets/GUARDED", {
      value: "replaced",
      allowedHosts: [
        "ok.example.com",
        "https://evil.example/",
        "*",
        "*.com",
        "api.example.com:443",
      ],
    });
    expect(put.status).toBe(400);
    expect(put.body.error.code).toBe("validation_failed");
    const errors = put.body.error.details?.errors ?? [];
    expect(errors.map((e) => e.at)).toEqual([
      "allowedHosts[1]",
      "allowedHosts[2]",
      "allowedHosts[3]",
      "allowedHosts[4]",
    ]);
    expect(errors[0]?.message).toContain("is a URL");
    expect(errors[3]?.message).toContain("has a port");

    const patch = await api<Refusal>("PATCH", "/api/secrets/GUARDED", {
      allowedHosts: ["api.*.example.com"],
    });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details?.errors.map((e) => e.at)).toEqual(["allowedHosts[0]"]);
    const empty = await api<Refusal>("PATCH", "/api/secrets/GUARDED", { allowedHosts: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details?.errors[0]?.at).toBe("allowedHosts");
    // The binding is required in a PATCH: omitting it is a mistake, not an unbind.
    expect((await api("PATCH", "/api/secrets/GUARDED", {})).status).toBe(400);

    expect(await stored("GUARDED")).toEqual(before);
  });

  it("belong to their tenant: another tenant gets 404 and sees none; other scopes get 403", async () => {
    await api("PUT", "/api/secrets/MINE", { value: "x", allowedHosts: ["mine.example.com"] });
    const foreign = await api<Refusal>(
      "PATCH",
      "/api/secrets/MINE",
      { allowedHosts: ["attacker.example"] },
      OTHER_KEY,
    );
    expect(foreign.status).toBe(404);
    expect(await listed(OTHER_KEY)).toEqual([]);
    expect(
      (await api("PATCH", "/api/secrets/MINE", { allowedHosts: null }, SECOND_KEY)).status,
    ).toBe(403);
    expect((await stored("MINE"))?.allowed_hosts).toBe('["mine.example.com"]');
  });
});
