import type { Context } from "hono";
import { deleteSession, insertSession } from "../../../db/sessions";
import { audit } from "../audit";
import { hashKey, keyByValue } from "../auth";
import { ApiError } from "../errors";
import * as example from "../examples/people";
import { publicRoute, routes, signedInRoute } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { Scope } from "../schemas/key";
import { NewSession, SessionInfo } from "../schemas/session";
import {
  clearSessionCookie,
  newSessionToken,
  readSessionCookie,
  requireCsrfHeader,
  SESSION_TTL_MS,
  writeSessionCookie,
} from "../session";
import type { AppEnv, SignedIn } from "../types";

const tags = ["sessions"];

/** Sign-in attempts per client address per minute (a key is 192 random bits: this bounds cost). */
const SIGN_INS_PER_MINUTE = 30;

/** One token from the client address's sign-in bucket, or 429 with `Retry-After`. */
async function admitSignIn(c: Context<AppEnv>): Promise<void> {
  const address = c.req.header("cf-connecting-ip") ?? "unknown";
  const bucket = c.env.LIMITS.get(c.env.LIMITS.idFromName(`sign-in:${address}`));
  const taken = await bucket.take("sign-in", SIGN_INS_PER_MINUTE, 60_000);
  if (taken.ok) return;
  const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
  c.header("Retry-After", String(seconds));
  throw new ApiError(
    429,
    "rate_limited",
    `too many sign-in attempts from this address: ${SIGN_INS_PER_MINUTE} per minute; retry in ${seconds} s`,
  );
}

const setCookie = {
  "Set-Cookie": {
    description:
      "`aob_session=<token>; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict` (over https: `__Host-aob_session`, and `Secure`)",
    schema: { type: "string" as const },
  },
};

/**
 * Signing in and out in a browser (public: the key in the body is the credential, and signing
 * out needs nothing but the cookie). docs/API.md, "Sessions".
 */
export const publicSessionRoutes = routes()
  .openapi(
    publicRoute({
      method: "post",
      path: "/sessions",
      operationId: "signIn",
      summary: "Sign in: trade an API key for a session cookie",
      description:
        "Checks the key (at most 30 attempts per client address per minute) and sets an httpOnly, SameSite=Strict session cookie for 12 hours (Secure over https). The session acts as the key (tenant, scopes, name) and ends at expiry, on sign-out, or when the key is revoked. Needs `X-Aob-Csrf: 1`. The key is not stored; keep using `Authorization: Bearer` outside a browser.",
      tags,
      request: {
        body: jsonBody(NewSession, example.newSession),
      },
      responses: {
        201: {
          ...json(SessionInfo, "Signed in; the cookie is set", example.session),
          headers: setCookie,
        },
        ...errors(400, 401, 403, 413, 429),
      },
    }),
    async (c) => {
      requireCsrfHeader(c);
      await admitSignIn(c);
      const { key } = c.req.valid("json");
      const who = await keyByValue(c, key.trim(), true);
      const token = newSessionToken();
      const now = Date.now();
      const expiresAt = now + SESSION_TTL_MS;
      await insertSession(c.env.DB, {
        tokenHash: await hashKey(token),
        keyId: who.keyId,
        createdAt: now,
        expiresAt,
      });
      writeSessionCookie(c, token);
      await audit(c, "session.create", { type: "key", id: who.keyId }, { expiresAt }, who);
      return c.json(info(who, expiresAt, "session"), 201);
    },
  )
  .openapi(
    publicRoute({
      method: "delete",
      path: "/sessions/current",
      operationId: "signOut",
      summary: "Sign out: end this browser's session",
      description:
        "Deletes the session the cookie names (if any) and clears the cookie; answers 204 either way. Needs `X-Aob-Csrf: 1`.",
      tags,
      responses: { 204: { description: "Signed out; the cookie is cleared" }, ...errors(403) },
    }),
    async (c) => {
      requireCsrfHeader(c);
      const token = readSessionCookie(c);
      if (token !== undefined) await deleteSession(c.env.DB, await hashKey(token));
      clearSessionCookie(c);
      return c.body(null, 204);
    },
  );

/** Who is signed in (after `authenticate`): how the UI knows, after a reload, that it is. */
export const sessionRoutes = routes().openapi(
  signedInRoute({
    method: "get",
    path: "/sessions/current",
    operationId: "getCurrentSession",
    summary:
      "Who is signed in: the user, the key behind the session (or bearer key) and its scopes",
    tags,
    responses: {
      200: json(SessionInfo, "The key, its tenant and scopes, and the expiry", {
        ...example.session,
        via: "bearer",
        expiresAt: null,
      }),
    },
  }),
  (c) => {
    const session = c.get("session");
    return c.json(
      info(
        {
          keyId: c.get("keyId"),
          keyName: c.get("keyName"),
          tenantId: c.get("tenantId"),
          scopes: c.get("scopes"),
          userId: c.get("userId"),
          userName: c.get("userName"),
          email: c.get("email"),
          roles: c.get("roles"),
        },
        session?.expiresAt ?? null,
        session ? "session" : "bearer",
      ),
      200,
    );
  },
);

function info(
  who: Omit<SignedIn, "session">,
  expiresAt: number | null,
  via: SessionInfo["via"],
): SessionInfo {
  return {
    keyId: who.keyId,
    keyName: who.keyName,
    tenantId: who.tenantId,
    user: { id: who.userId, name: who.userName, email: who.email, roles: who.roles },
    scopes: who.scopes.flatMap((s) => {
      const scope = Scope.safeParse(s);
      return scope.success ? [scope.data] : [];
    }),
    via,
    expiresAt,
  };
}
