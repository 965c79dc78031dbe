import { baseToolName } from "../../../core/workflow/tool-names";
import type { WorkflowMeta } from "./convert";

/**
 * Whether MCP clients see the workflow as a tool of their own (`exposeAsTool`, docs/MCP.md):
 * named after the workflow, described by its description, taking the Start node's input schema.
 */
export function ToolSection({
  meta,
  onMeta,
}: {
  meta: WorkflowMeta;
  onMeta(patch: Partial<WorkflowMeta>, key: string): void;
}) {
  const settings = meta.settings ?? {};
  const exposed = settings.exposeAsTool === true;
  return (
    <section aria-label="MCP tool">
      <h3>MCP tool</h3>
      <div className="field field-inline">
        <input
          id="wf-expose-as-tool"
          type="checkbox"
          checked={exposed}
          aria-describedby="wf-expose-as-tool-hint"
          onChange={(e) => {
            const { exposeAsTool: _old, ...rest } = settings;
            onMeta(
              { settings: e.target.checked ? { ...rest, exposeAsTool: true } : rest },
              "exposeAsTool",
            );
          }}
        />
        <label htmlFor="wf-expose-as-tool">Offer as a tool to MCP clients</label>
      </div>
      <p id="wf-expose-as-tool-hint" className="muted">
        {exposed ? (
          <>
            Clients of <code>/mcp</code> see the tool <code>{baseToolName(meta.name)}</code> (with
            the end of the workflow's id added if another tool has that name), described by the
            description above. Its arguments are the Start node's input schema, which must be an
            object's; a call starts a run and answers its output.
          </>
        ) : (
          <>Off: clients of /mcp reach it only through start_run.</>
        )}
      </p>
    </section>
  );
}
