/** Text from the document with its `code` spans shown as code (the rest stays plain text). */
export function Prose({ text, inline = false }: { text: string; inline?: boolean }) {
  const paragraphs = text.split(/\n\s*\n/);
  const render = (p: string) =>
    p.split(/(`[^`]+`)/).map((part, i) =>
      part.startsWith("`") && part.endsWith("`") ? (
        // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of a fixed text.
        <code key={i}>{part.slice(1, -1)}</code>
      ) : (
        part.replace(/\s*\n\s*/g, " ")
      ),
    );
  if (inline) return <span>{render(text)}</span>;
  return (
    <>
      {paragraphs.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the paragraphs of a fixed text.
        <p key={i} className="prose">
          {render(p)}
        </p>
      ))}
    </>
  );
}
