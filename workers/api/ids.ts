/** Time-ordered ids with a type prefix: `run_<time base36><random>`. */
export function newId(prefix: "wf" | "run" | "key" | "usr"): string {
  const time = Date.now().toString(36).padStart(9, "0");
  const random = [...crypto.getRandomValues(new Uint8Array(10))]
    .map((b) => (b % 36).toString(36))
    .join("");
  return `${prefix}_${time}${random}`;
}
