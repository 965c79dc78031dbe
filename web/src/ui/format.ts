/** "1.2 s", "340 ms", "2 min 5 s". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${min} min ${s} s`;
}

export function formatTime(at: number | null | undefined): string {
  if (at === null || at === undefined) return "–";
  return new Date(at).toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** JSON for display, shortened past `max` characters. */
export function formatJson(value: unknown, max = 20_000): string {
  const text = JSON.stringify(value, null, 2) ?? "undefined";
  return text.length > max
    ? `${text.slice(0, max)}\n… (${text.length - max} more characters)`
    : text;
}

/** "1,234" (digits grouped the same way in every locale, so tests and screenshots agree). */
export const formatCount = (n: number) => n.toLocaleString("en-US");
