import { useEffect } from "react";

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
  );
}

/**
 * The builder's keys: Ctrl/Cmd+S saves anywhere; Ctrl/Cmd+Z undoes and Ctrl/Cmd+Shift+Z or
 * Ctrl/Cmd+Y redoes, except while typing in a field (fields keep their own undo). Delete and
 * Backspace are React Flow's.
 */
export function useShortcuts(actions: { save(): void; undo(): void; redo(): void }): void {
  const { save, undo, redo } = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === "s") {
        e.preventDefault();
        save();
      } else if (isTyping(e.target)) {
        return;
      } else if (key === "z" && !e.shiftKey) {
        e.preventDefault();
        undo();
      } else if ((key === "z" && e.shiftKey) || key === "y") {
        e.preventDefault();
        redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [save, undo, redo]);
}
