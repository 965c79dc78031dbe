/**
 * What secret handling adds to one http node (issue 14), in Node: the pure work the engine and
 * the executor do around the request, for a GET with `x-api-key: {{ secrets.KEY }}` against the
 * same GET without it. Per node: the plan (markers with the run's nonce), rendering, the stored
 * input, injection at the declared place only, the host binding check, and redaction of the
 * answer in every encoded form. The D1 read and the decryption are not here: they existed
 * before and are in the wrangler chains (`http-chain-*-secret`).
 */
import { performance } from "node:perf_hooks";
import { renderTemplates } from "../core/expressions/template";
import { type CarriedSecret, checkSecretHosts } from "../core/net/carried-secrets";
import { redactSecrets } from "../core/secrets/redact";
import { injectSecrets, protectSecretRefs, showSecretRefs } from "../core/secrets/refs";
import { median } from "./stats";

const NODES = 2_000;
const ROUNDS = 7;

export interface SecretHandling {
  /** Median µs per node, without and with one secret. */
  plainUs: number;
  secretUs: number;
}

const answer = {
  status: 200,
  headers: { "content-type": "application/json", "content-length": "412" },
  body: { items: Array.from({ length: 10 }, (_, i) => ({ id: i, name: `item ${i}`, ok: true })) },
};

async function oneNode(config: Record<string, unknown>, value: string | null): Promise<void> {
  const { config: marked, plan } = protectSecretRefs(config, "0123456789abcdef0123456789abcdef");
  const rendered = (await renderTemplates(marked, { input: {} })) as Record<string, unknown>;
  showSecretRefs(rendered, plan); // the attempt's stored input
  const values: Record<string, string> = value === null ? {} : { KEY: value };
  const { placements } = injectSecrets(rendered, plan, values);
  const carried: CarriedSecret[] = placements.map((p) => ({
    name: p.name,
    value: values[p.name]!,
    allowedHosts: ["api.example.com"],
    headers: [String(p.path[1])],
    inBody: false,
    inUrl: false,
  }));
  const request = { method: "GET", headers: new Headers({ "x-api-key": value ?? "" }), body: null };
  if (carried.length > 0) checkSecretHosts(new URL(String(rendered.url)), request, carried);
  showSecretRefs(rendered, plan); // the message form
  redactSecrets(answer, values);
}

export async function measureSecretHandling(): Promise<SecretHandling> {
  const url = "https://api.example.com/v1/items?limit=10";
  const plain = { method: "GET", url };
  const secret = { method: "GET", url, headers: { "x-api-key": "{{ secrets.KEY }}" } };
  const time = async (config: Record<string, unknown>, value: string | null) => {
    const t0 = performance.now();
    for (let i = 0; i < NODES; i++) await oneNode(config, value);
    return ((performance.now() - t0) * 1000) / NODES;
  };
  const plainUs: number[] = [];
  const secretUs: number[] = [];
  await time(secret, "sk_live_warmup");
  for (let r = 0; r < ROUNDS; r++) {
    plainUs.push(await time(plain, null));
    secretUs.push(await time(secret, `sk_live_${r}_0123456789abcdefghijklmnop`));
  }
  return { plainUs: median(plainUs), secretUs: median(secretUs) };
}

export function secretReport(s: SecretHandling): string {
  return `Secret handling per http node in Node (${ROUNDS} rounds of ${NODES}; plan, render, stored input, injection, host check, redaction of a 0.4 KB answer): ${s.plainUs.toFixed(1)} µs without a secret, ${s.secretUs.toFixed(1)} µs with one (+${(s.secretUs - s.plainUs).toFixed(1)} µs).`;
}
