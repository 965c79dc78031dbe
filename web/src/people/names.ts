/** A user as the names lookup needs them (`GET /api/users`). */
export interface NamedUser {
  id: string;
  name: string;
  email: string | null;
}

/**
 * Each user's name by their id and by their email (lower case), as an approval's `approvers.users`
 * may name them either way.
 * @example
 * userNames([{ id: "usr_1", name: "Ada", email: "ada@example.com" }]).get("ada@example.com") // "Ada"
 */
export function userNames(users: readonly NamedUser[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const u of users) {
    names.set(u.id, u.name);
    if (u.email) names.set(u.email.toLowerCase(), u.name);
  }
  return names;
}
