/**
 * Stands in for `ajv` and `ajv-formats` in the Worker's bundle (wrangler.toml `[alias]`). The MCP
 * SDK imports its Ajv validator at the top of its client and server modules even when it is
 * given another; aob always gives `CfWorkerJsonSchemaValidator` (platform/mcp/client.ts,
 * workers/mcp/server.ts), which needs no code generation, so Ajv is never constructed and its
 * ~290 KiB stay out of the bundle. Constructing it anyway says what to do instead.
 */
export default class NoAjv {
  constructor() {
    throw new Error(
      "ajv is not bundled in aob's Worker: give the MCP SDK `jsonSchemaValidator: new CfWorkerJsonSchemaValidator()`",
    );
  }
}

export const Ajv = NoAjv;
