import { useMemo, useState } from "react";
import { ErrorNote, Loading } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { useAsync } from "../ui/use-async";
import { OperationView } from "./OperationView";
import { Prose } from "./Prose";
import { SchemaView } from "./SchemaView";
import { asDocument, groups, matches } from "./spec";
import "./reference.css";

async function loadDocument() {
  const res = await fetch("/openapi.json", { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  return asDocument(await res.json());
}

/**
 * The API reference, rendered from the Worker's own `GET /openapi.json` (generated from the
 * zod schemas that validate requests): no key needed, nothing loaded from elsewhere.
 */
export function ReferencePage() {
  const doc = useAsync(loadDocument, []);
  const [search, setSearch] = useState("");
  const all = useMemo(() => (doc.data ? groups(doc.data) : []), [doc.data]);
  const shown = all
    .map((g) => ({ ...g, entries: g.entries.filter((e) => matches(e, search)) }))
    .filter((g) => g.entries.length > 0);
  const schemas = Object.entries(doc.data?.components?.schemas ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  const count = shown.reduce((n, g) => n + g.entries.length, 0);
  return (
    <div className="page reference">
      <PageHead title="API reference">
        <a href="/openapi.json">OpenAPI document (JSON)</a>
      </PageHead>
      {doc.error && <ErrorNote title="Cannot load the API's document">{doc.error}</ErrorNote>}
      {doc.state === "loading" && !doc.data && <Loading what="the API's document" />}
      {doc.data && (
        <>
          <p className="muted">
            {doc.data.info.title} {doc.data.info.version} · OpenAPI {doc.data.openapi}
          </p>
          {doc.data.info.description && <Prose text={doc.data.info.description} />}
          <div className="field reference-search">
            <label htmlFor="reference-search">Filter operations</label>
            <input
              id="reference-search"
              type="search"
              value={search}
              placeholder="runs read, post workflows, approve…"
              onChange={(e) => setSearch(e.target.value)}
              aria-describedby="reference-count"
            />
            <p className="help" id="reference-count" aria-live="polite">
              {count} operation{count === 1 ? "" : "s"}
            </p>
          </div>
          <nav aria-label="Operations" className="reference-toc">
            {shown.map((g) => (
              <div key={g.tag}>
                <strong>{g.tag}</strong>
                <ul>
                  {g.entries.map((e) => (
                    <li key={e.anchor}>
                      <a href={`#${e.anchor}`}>
                        <span className={`method method-${e.method}`}>
                          {e.method.toUpperCase()}
                        </span>{" "}
                        {e.path}
                      </a>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </nav>
          {shown.map((g) => (
            <section key={g.tag} aria-labelledby={`tag-${g.tag}`} className="reference-group">
              <h2 id={`tag-${g.tag}`}>{g.tag}</h2>
              {g.description && <p className="muted">{g.description}</p>}
              {g.entries.map((e) => (
                <OperationView key={e.anchor} entry={e} />
              ))}
            </section>
          ))}
          <section aria-labelledby="schemas" className="reference-group">
            <h2 id="schemas">Schemas</h2>
            {schemas.map(([name, schema]) => (
              <section key={name} id={`schema-${name}`} className="operation" aria-label={name}>
                <h3 className="operation-title">
                  <code>{name}</code>
                </h3>
                <SchemaView schema={schema} />
              </section>
            ))}
          </section>
        </>
      )}
    </div>
  );
}
