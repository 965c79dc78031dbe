import { useEffect, useMemo, useState } from "react";
import { downloadName, findBlobs } from "../../../core/wire/blob-content";
import { readErrorEnvelope } from "../../../core/wire/error-envelope";
import { ApiFailure, call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { formatJson } from "../ui/format";
import {
  formatBytes,
  PREVIEW_BYTES,
  type Preview,
  preview,
  rangeTotal,
  readPrefix,
} from "./blob-preview";
import type { LiveNode } from "./run-state";

/**
 * A node's output in its panel: inline JSON with a download of it, or, for an output stored
 * by reference, a preview of its first KiB and a download; each blob marker inside the output
 * (an http node's streamed body) gets its own preview and download.
 */
export function NodeOutput({ node }: { node: LiveNode }) {
  if (node.output !== undefined) return <InlineOutput nodeId={node.id} value={node.output} />;
  if (node.outputHash) {
    return <StoredOutput key={node.outputHash} nodeId={node.id} hash={node.outputHash} />;
  }
  return <p className="muted">{node.status === "succeeded" ? "Loading…" : "No output yet."}</p>;
}

/** An output the page holds: its JSON and a download of it, or of each blob it names. */
function InlineOutput({ nodeId, value }: { nodeId: string; value: unknown }) {
  const blobs = useMemo(() => findBlobs(value, 20), [value]);
  const whole = blobs[0]?.path === "";
  return (
    <>
      <pre className="json" data-testid="node-output">
        {formatJson(value)}
      </pre>
      {!whole && <JsonDownload value={value} fileName={downloadName(nodeId, "application/json")} />}
      {blobs.map(({ path, marker }) => (
        <BlobView
          key={`${path}:${marker.$blob}`}
          hash={marker.$blob}
          label={path === "" ? "The output is a blob" : `output.${path}`}
          fileName={downloadName(nodeId, marker.contentType, path === "" ? "" : `-${path}`)}
        />
      ))}
    </>
  );
}

/** A download of JSON the page already holds (an inline output, at most 64 KiB). */
function JsonDownload({ value, fileName }: { value: unknown; fileName: string }) {
  const url = useMemo(
    () =>
      URL.createObjectURL(
        new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: "application/json" }),
      ),
    [value],
  );
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <p>
      <a className="button small" href={url} download={fileName} data-testid="output-download">
        Download {fileName}
      </a>
    </p>
  );
}

type PreviewState =
  | { kind: "loading" }
  | { kind: "shown"; preview: Preview }
  | { kind: "failed"; message: string };

/**
 * One blob: its first KiB (one Range request, shown as text or a hex dump) and a download
 * link, which the browser streams to disk with the session cookie (`GET /api/blobs/{hash}`).
 */
export function BlobView({
  hash,
  label,
  fileName,
}: {
  hash: string;
  label: string;
  fileName: string;
}) {
  const { client } = useSession();
  const [state, setState] = useState<PreviewState>({ kind: "loading" });
  useEffect(() => {
    let live = true;
    const load = async (): Promise<Preview> => {
      const res = await client.api.blobs[":hash"].$get(
        { param: { hash } },
        { headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` } },
      );
      const type = res.headers.get("content-type") ?? "application/octet-stream";
      // An empty blob has no first byte to give: 416, with its size (0).
      if (res.status === 416)
        return preview(new Uint8Array(), "", rangeTotal(res.headers.get("content-range")));
      if (!res.ok) {
        const { code, message } = readErrorEnvelope(res.status, await res.text());
        throw new ApiFailure(res.status, code, message);
      }
      const size =
        res.status === 206
          ? rangeTotal(res.headers.get("content-range"))
          : Number(res.headers.get("content-length") ?? Number.NaN);
      const bytes = await readPrefix(res.body, PREVIEW_BYTES);
      return preview(bytes, type, Number.isFinite(size) ? size : undefined);
    };
    load().then(
      (p) => live && setState({ kind: "shown", preview: p }),
      (err: unknown) =>
        live &&
        setState({
          kind: "failed",
          message:
            err instanceof ApiFailure && err.status === 404
              ? "The blob store does not serve it (yet): an output of a run from before blobs were recorded is served once its run has ended."
              : `Cannot preview it: ${describeError(err)}.`,
        }),
    );
    return () => {
      live = false;
    };
  }, [client, hash]);
  const shown = state.kind === "shown" ? state.preview : undefined;
  return (
    <div className="blob-view" data-testid="blob-view" data-hash={hash}>
      <div className="blob-head">
        <strong>{label}</strong>{" "}
        <span className="muted" data-testid="blob-facts">
          {shown
            ? `${shown.contentType || "empty"} · ${formatBytes(shown.size)}`
            : `${hash.slice(0, 12)}…`}
        </span>
      </div>
      {state.kind === "loading" && <p className="muted">Loading a preview…</p>}
      {state.kind === "failed" && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
      {shown && shown.shown > 0 && (
        <>
          <pre className={`json blob-preview ${shown.kind}`} data-testid="blob-preview">
            {shown.body}
          </pre>
          {shown.size !== undefined && shown.size > shown.shown && (
            <p className="muted">
              The first {shown.kind === "hex" ? Math.min(shown.shown, 256) : shown.shown} of{" "}
              {shown.size} bytes.
            </p>
          )}
        </>
      )}
      <a
        className="button small"
        href={`/api/blobs/${hash}`}
        download={fileName}
        data-testid="blob-download"
      >
        Download {fileName}
      </a>
    </div>
  );
}

/** An output too large to come inline: previewed from the blob store, read whole on request. */
function StoredOutput({ nodeId, hash }: { nodeId: string; hash: string }) {
  const { client } = useSession();
  const [state, setState] = useState<
    | { kind: "idle" }
    | { kind: "loading" }
    | { kind: "loaded"; value: unknown }
    | { kind: "failed"; message: string }
  >({ kind: "idle" });
  const load = async () => {
    setState({ kind: "loading" });
    try {
      const value: unknown = await call(client.api.blobs[":hash"].$get({ param: { hash } }));
      setState({ kind: "loaded", value });
    } catch (err) {
      setState({ kind: "failed", message: `Cannot read it: ${describeError(err)}.` });
    }
  };
  if (state.kind === "loaded") {
    return <InlineOutput nodeId={nodeId} value={state.value} />;
  }
  return (
    <div>
      <p className="muted">Too large to show inline; stored by reference.</p>
      <BlobView hash={hash} label="Output" fileName={downloadName(nodeId, "application/json")} />
      {state.kind === "failed" && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
      <button type="button" onClick={() => void load()} disabled={state.kind === "loading"}>
        {state.kind === "loading" ? "Loading…" : "Show it all"}
      </button>
    </div>
  );
}
