import { memo } from "react";
import { Prose } from "./Prose";
import { SchemaLine, SchemaView } from "./SchemaView";
import { type Entry, jsonSchemaOf, scopeOf } from "./spec";

/** One operation: what it does, who may call it, what it takes and what it answers. */
export const OperationView = memo(function OperationView({ entry }: { entry: Entry }) {
  const { operation: op } = entry;
  const scope = scopeOf(op);
  const parameters = op.parameters ?? [];
  const body = jsonSchemaOf(op.requestBody?.content);
  return (
    <section className="operation" id={entry.anchor} aria-labelledby={`${entry.anchor}-title`}>
      <h3 className="operation-title" id={`${entry.anchor}-title`}>
        <span className={`method method-${entry.method}`}>{entry.method.toUpperCase()}</span>{" "}
        <code>{entry.path}</code>
      </h3>
      {op.summary && <p className="operation-summary">{op.summary}</p>}
      <p className="operation-auth">
        {scope === null ? (
          "No API key needed."
        ) : scope === "any" ? (
          "Needs an API key (any scope) or a signed-in session."
        ) : (
          <>
            Needs an API key with the <code>{scope}</code> scope (or <code>admin</code>), or a
            signed-in session of such a key.
          </>
        )}
      </p>
      {op.description && <Prose text={op.description} />}
      {parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <table className="table params">
            <thead>
              <tr>
                <th>name</th>
                <th>in</th>
                <th>value</th>
              </tr>
            </thead>
            <tbody>
              {parameters.map((p) => (
                <tr key={`${p.in}-${p.name}`}>
                  <td>
                    <code>{p.name}</code>
                    {p.required && <span className="field-required">required</span>}
                  </td>
                  <td>{p.in}</td>
                  <td>{p.schema ? <SchemaLine schema={p.schema} /> : p.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {op.requestBody && (
        <>
          <h4>Body{op.requestBody.required ? "" : " (optional)"}</h4>
          {body ? <SchemaView schema={body} /> : <p className="muted">Not JSON.</p>}
        </>
      )}
      <h4>Answers</h4>
      <dl className="responses">
        {Object.entries(op.responses ?? {}).map(([status, answer]) => {
          const schema = jsonSchemaOf(answer.content);
          return (
            <div key={status} className="response">
              <dt>
                <span className={`status status-${status[0]}xx`}>{status}</span>
              </dt>
              <dd>
                {answer.description && <Prose text={answer.description} inline />}
                {schema && (
                  <div className="response-schema">
                    {schema.$ref ? <SchemaLine schema={schema} /> : <SchemaView schema={schema} />}
                  </div>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
});
