/**
 * The RunObject's SQLite schema. The DO's storage is the source of truth for its run; D1 is a
 * projection. Migrations are idempotent and run on every wake (`ensureSchema`).
 */
export const SCHEMA_VERSION = 8;

const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`,
    // Scheduler state, one row per node / edge: a step rewrites only what it changed.
    `CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, state TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS edges (idx INTEGER PRIMARY KEY, state TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS timers (key TEXT PRIMARY KEY, at INTEGER NOT NULL, timer TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS timers_at ON timers (at)`,
    // The latest output of each node (loops overwrite), and each map's list and item outputs.
    `CREATE TABLE IF NOT EXISTS outputs (node_id TEXT PRIMARY KEY, hash TEXT NOT NULL, json TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS map_lists (node_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL, json TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS map_items (node_id TEXT NOT NULL, idx INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (node_id, idx))`,
    // Every finished attempt, for history (projected to D1 node_executions when the run ends).
    `CREATE TABLE IF NOT EXISTS executions (node_id TEXT NOT NULL, type TEXT NOT NULL, iteration INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL, started_at INTEGER, finished_at INTEGER, output_hash TEXT, error TEXT, PRIMARY KEY (node_id, attempt))`,
    `CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, at INTEGER NOT NULL, node_id TEXT, data TEXT)`,
    // Transactional outbox: blobs to write to R2, removed once written.
    `CREATE TABLE IF NOT EXISTS cas_outbox (hash TEXT PRIMARY KEY, json TEXT NOT NULL)`,
  ],
  [
    // Approval requests (one per approval node attempt) and the votes cast on them.
    `CREATE TABLE IF NOT EXISTS approvals (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, message TEXT NOT NULL, form TEXT, required INTEGER NOT NULL, expires_at INTEGER, status TEXT NOT NULL, created_at INTEGER NOT NULL, decided_at INTEGER, PRIMARY KEY (node_id, attempt))`,
    `CREATE TABLE IF NOT EXISTS approval_votes (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, by TEXT NOT NULL, decision TEXT NOT NULL, comment TEXT, data TEXT, at INTEGER NOT NULL, PRIMARY KEY (node_id, attempt, by))`,
  ],
  [
    // Every patch proposed to the run, in order, with its outcome (provenance).
    `CREATE TABLE IF NOT EXISTS patches (id INTEGER PRIMARY KEY, source TEXT NOT NULL, ops TEXT NOT NULL, reason TEXT, status TEXT NOT NULL, problems TEXT, proposed_at INTEGER NOT NULL, decided_at INTEGER)`,
    // Model usage per agent execution (reported even when the execution failed).
    `CREATE TABLE IF NOT EXISTS usage (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, calls INTEGER NOT NULL, cost_usd REAL, PRIMARY KEY (node_id, attempt))`,
  ],
  [
    // The config an I/O node's attempt was sent with, templates resolved (secrets as markers).
    `CREATE TABLE IF NOT EXISTS inputs (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (node_id, attempt))`,
  ],
  [
    // A meta value too large for one SQLite value (a 5,000-node IR is ~3 MB), in pieces.
    `CREATE TABLE IF NOT EXISTS meta_chunks (k TEXT NOT NULL, i INTEGER NOT NULL, v TEXT NOT NULL, PRIMARY KEY (k, i))`,
  ],
  [
    // An output kept by reference (docs/PAYLOADS.md): `json` is empty, the blob is in R2.
    `ALTER TABLE outputs ADD COLUMN ref INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE outputs ADD COLUMN bytes INTEGER`,
  ],
  [
    // Child runs of subworkflow nodes (docs/COMPOSITION.md), named before they start.
    // `item` is a map item's index (-1: the node itself), `item_attempt` that item's try.
    `CREATE TABLE IF NOT EXISTS children (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, item INTEGER NOT NULL, item_attempt INTEGER NOT NULL, child_run_id TEXT NOT NULL, ended INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (node_id, attempt, item, item_attempt))`,
    // Notices owed to other runs (a child's end to its parent, a cancel to a child): an outbox.
    `CREATE TABLE IF NOT EXISTS notices (id INTEGER PRIMARY KEY, target TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL)`,
  ],
  [
    // Wait nodes' waits for events (docs/COMPOSITION.md): one per attempt. `event` is the event
    // taken (JSON), set in the transaction that takes it, so a wake delivers it if its step was lost.
    // `url`: its signed URL's path. `registered`: its D1 row (where events sent by name find it) is written; the projection
    // writes it when the wait's own attempt could not.
    `CREATE TABLE IF NOT EXISTS event_waits (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, name TEXT NOT NULL, key TEXT, expires_at INTEGER, status TEXT NOT NULL, event TEXT, registered INTEGER NOT NULL, url TEXT, PRIMARY KEY (node_id, attempt))`,
    // Events sent to this run before a wait took them, oldest first.
    `CREATE TABLE IF NOT EXISTS mailbox (id INTEGER PRIMARY KEY, name TEXT NOT NULL, key TEXT, event TEXT NOT NULL)`,
    // Idempotency keys of the events this run was sent: a resend is a no-op.
    `CREATE TABLE IF NOT EXISTS event_keys (key TEXT PRIMARY KEY, at INTEGER NOT NULL)`,
    // The loop iteration an approval's attempt ran in (the inbox's context).
    `ALTER TABLE approvals ADD COLUMN iteration INTEGER`,
  ],
  [
    // A root run's tally of the sub-workflow runs started under it (tree-tally.ts).
    `CREATE TABLE IF NOT EXISTS tree_runs (run_id TEXT PRIMARY KEY, agents INTEGER NOT NULL, nodes INTEGER NOT NULL)`,
  ],
  [
    // Assigned approvals (docs/PEOPLE.md): who may decide and the rejection rule.
    `ALTER TABLE approvals ADD COLUMN approvers TEXT`,
    `ALTER TABLE approvals ADD COLUMN reject_if TEXT`,
    // A vote is one user's: `voter` is the user id (the name for votes cast before users existed).
    `CREATE TABLE IF NOT EXISTS approval_ballots (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, voter TEXT NOT NULL, by TEXT NOT NULL, user_id TEXT, decision TEXT NOT NULL, comment TEXT, data TEXT, at INTEGER NOT NULL, PRIMARY KEY (node_id, attempt, voter))`,
    `INSERT OR IGNORE INTO approval_ballots (node_id, attempt, voter, by, user_id, decision, comment, data, at) SELECT node_id, attempt, by, by, NULL, decision, comment, data, at FROM approval_votes`,
    `DROP TABLE approval_votes`,
  ],
  [
    // Notifications owed to people (notifications.ts): channel '' until the channels are chosen.
    `CREATE TABLE IF NOT EXISTS notifications (node_id TEXT NOT NULL, attempt INTEGER NOT NULL, stage INTEGER NOT NULL, channel TEXT NOT NULL, tries INTEGER NOT NULL, next_at INTEGER NOT NULL, status TEXT NOT NULL, PRIMARY KEY (node_id, attempt, stage, channel))`,
  ],
];

export function ensureSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS schema_version (v INTEGER NOT NULL)`);
  const row = sql.exec<{ v: number }>(`SELECT v FROM schema_version`).toArray()[0];
  const current = row?.v ?? 0;
  for (let v = current; v < MIGRATIONS.length; v++) {
    for (const statement of MIGRATIONS[v]!) sql.exec(statement);
  }
  if (!row) sql.exec(`INSERT INTO schema_version (v) VALUES (?)`, MIGRATIONS.length);
  else if (current < MIGRATIONS.length)
    sql.exec(`UPDATE schema_version SET v = ?`, MIGRATIONS.length);
}
