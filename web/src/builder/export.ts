import type { WorkflowDefinitionInput } from "../../../core/workflow/definition";

/** Downloads the definition as `<name>.json`. */
export function downloadDefinition(definition: WorkflowDefinitionInput): void {
  const blob = new Blob([`${JSON.stringify(definition, null, 2)}\n`], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${definition.name.replace(/[^\w.-]+/g, "_") || "workflow"}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}
