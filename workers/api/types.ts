/** Hono's environment for the API: bindings plus what authentication sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: { tenantId: string; scopes: string[]; keyId: string; keyName: string };
}
