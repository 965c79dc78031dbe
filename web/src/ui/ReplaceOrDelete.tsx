/**
 * A listed row's actions for an editor: Replace (fills the form in with the row) and Delete
 * (which asks first), in the table's last column.
 */
export function ReplaceOrDelete({ onReplace, onDelete }: { onReplace(): void; onDelete(): void }) {
  return (
    <td className="row-actions">
      <button type="button" className="small" onClick={onReplace}>
        Replace
      </button>{" "}
      <button type="button" className="small danger" onClick={onDelete}>
        Delete
      </button>
    </td>
  );
}
