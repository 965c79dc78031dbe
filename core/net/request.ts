/** One hop's request as the guard sends it: bodies are replayable values, since 307/308 resend them. */
export interface RequestShape {
  method: string;
  headers: Headers;
  body: string | Uint8Array<ArrayBuffer> | URLSearchParams | null;
}
