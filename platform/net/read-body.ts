import { HttpFetchError } from "../../core/net/http-fetch-error";

/**
 * Reads a response body as UTF-8 text, refusing it once it exceeds `maxBytes`. The cap is
 * enforced while streaming (and up front from Content-Length), so an endless or huge body
 * never sits in memory whole. Malformed UTF-8 becomes U+FFFD rather than an error.
 * @example
 * const text = await readCappedText(response, 10 * 1024 * 1024, url.origin); // or throws response_too_large
 */
export async function readCappedText(
  response: Response,
  maxBytes: number,
  origin: string,
): Promise<string> {
  const tooLarge = () => responseTooLarge(origin, maxBytes);
  const body = response.body;
  if (body === null) return "";
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    discard(body);
    throw tooLarge();
  }
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  let received = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      discard(reader);
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * Cancels a body nobody will read, so the connection is released. The response is already
 * abandoned, so a failed cancel changes nothing and is deliberately not reported.
 * @example
 * discard(response.body);
 */
export function discard(body: { cancel(): Promise<void> } | null): void {
  body?.cancel().catch(() => undefined);
}

/** The error of a body over its limit, whichever reader found it (this one, or the blob sink). */
export function responseTooLarge(origin: string, maxBytes: number): HttpFetchError {
  return new HttpFetchError(
    "response_too_large",
    `response from ${origin} exceeds the ${maxBytes}-byte limit; ask for less (paging, filters) or raise maxResponseBytes`,
  );
}
