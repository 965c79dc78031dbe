import { type FormEvent, useState } from "react";
import { CHANNEL_NAME } from "../../../core/kinds/approval";
import { allows } from "../../../core/people/roles";
import { call, callNoContent } from "../api/client";
import { useSession } from "../api/session";
import type { ChannelEvent, NotificationChannel } from "../api/types";
import { CheckboxGroup } from "../ui/CheckboxGroup";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { Problems } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { ReplaceOrDelete } from "../ui/ReplaceOrDelete";
import { ResourceTable } from "../ui/ResourceTable";
import { TextField } from "../ui/TextField";
import { useAction } from "../ui/use-action";
import { useAsync } from "../ui/use-async";
import { useDraft } from "../ui/use-draft";
import { CHANNEL_EVENTS, channelGets, EVENT_TEXT } from "./channel-events";
import { TelemetrySection } from "./TelemetrySection";
import "./notifications.css";

type ChannelType = NotificationChannel["type"];

/** What the form starts from: empty, or a listed channel to replace (its URL is never known). */
interface Draft {
  name: string;
  type: ChannelType;
  events: ChannelEvent[];
}

const EMPTY: Draft = { name: "", type: "webhook", events: ["approval"] };

/** Adds a channel, or replaces the one of the same name (`PUT`): the URL is sent every time. */
function ChannelForm({
  draft,
  taken,
  onSaved,
}: {
  draft: Draft;
  taken: readonly string[];
  onSaved(): void;
}) {
  const { client } = useSession();
  const [name, setName] = useState(draft.name);
  const [type, setType] = useState<ChannelType>(draft.type);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<ChannelEvent[]>(draft.events);
  const { busy, error, run } = useAction();
  const nameOk = CHANNEL_NAME.test(name);
  const replaces = taken.includes(name);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!nameOk || url === "") return;
    await run(async () => {
      await call(
        client.api["notification-channels"][":name"].$put({
          param: { name },
          json: { type, url, events },
        }),
      );
      setName("");
      setUrl("");
      setType("webhook");
      setEvents(["approval"]);
      onSaved();
    });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label="Set a channel">
      <h2>Add or replace a channel</h2>
      <TextField
        id="channel-name"
        label="Name"
        value={name}
        onChange={setName}
        invalid={name !== "" && !nameOk}
        placeholder="ops-slack"
        autoComplete="off"
        problems={
          name !== "" && !nameOk
            ? ["1-63 letters, digits, _ and -, starting with a letter or digit."]
            : []
        }
      >
        {replaces && <p className="help">Replaces the channel {name}: its URL, type and events.</p>}
      </TextField>
      <div className="field">
        <label htmlFor="channel-type">Type</label>
        <select
          id="channel-type"
          value={type}
          onChange={(e) => setType(e.target.value === "slack" ? "slack" : "webhook")}
        >
          <option value="webhook">Webhook (aob's JSON)</option>
          <option value="slack">Slack incoming webhook</option>
        </select>
      </div>
      <TextField
        id="channel-url"
        label="URL"
        type="password"
        value={url}
        onChange={setUrl}
        autoComplete="new-password"
        placeholder="https://hooks.slack.com/services/…"
        help="The URL is a credential: stored sealed, never shown again (the list shows its host)."
      />
      <CheckboxGroup
        legend="Sends it"
        options={CHANNEL_EVENTS}
        value={events}
        onChange={setEvents}
        idPrefix="channel-event"
        hint={(e) => EVENT_TEXT[e]}
      />
      <p className="help">
        {events.length === 0
          ? "Neither: only the approvals whose node names this channel in notify."
          : `Gets ${channelGets(events)} of every workflow, and the approvals whose node names it in notify.`}
      </p>
      <Problems error={error} />
      <button type="submit" className="primary" disabled={busy || !nameOk || url === ""}>
        {replaces ? "Replace channel" : "Add channel"}
      </button>
    </form>
  );
}

/** Asks before deleting a channel, and says what deleting does. */
function DeleteChannelDialog({ name, onClose }: { name: string; onClose(deleted: boolean): void }) {
  const { client } = useSession();
  return (
    <ConfirmDialog
      title={`Delete ${name}?`}
      keep={`Keep ${name}`}
      confirm="Delete channel"
      onClose={() => onClose(false)}
      onConfirm={async () => {
        await callNoContent(
          client.api["notification-channels"][":name"].$delete({ param: { name } }),
        );
        onClose(true);
      }}
    >
      <p>
        It gets no more notifications, and ones still owed to it are given up. Nodes that name it in{" "}
        <code>notify</code> skip it.
      </p>
    </ConfirmDialog>
  );
}

/**
 * Where the tenant's notifications go (docs/PEOPLE.md): each channel's type, host (never its
 * URL), what it gets and where its decision links point. Keys with `edit` add, replace and
 * delete channels. Below them, where run traces go (TelemetrySection.tsx).
 */
export function NotificationsPage() {
  const { client, who } = useSession();
  const editor = allows(who.scopes, "edit");
  const channels = useAsync(
    async () => (await call(client.api["notification-channels"].$get())).channels,
    [client],
  );
  const form = useDraft(EMPTY);
  const [deleting, setDeleting] = useState<string | null>(null);
  const list = channels.data ?? [];
  return (
    <div className="page">
      <PageHead title="Notifications" onRefresh={channels.reload} />
      <p className="help page-help">
        A <strong>webhook</strong> channel gets each notification as aob's JSON (the run, node,
        message, quorum, form, and for each assignee their own single-use approve and reject links);
        a <strong>Slack</strong> channel gets a message with Approve and Reject buttons per
        assignee. An approval node names extra channels with <code>notify</code> in its config (
        <code>"notify": ["ops-slack"]</code>), on top of those that take every approval. See{" "}
        <code>docs/PEOPLE.md</code> and the <Link to={{ page: "reference" }}>API reference</Link>.
      </p>
      <ResourceTable
        list={channels}
        what="channels"
        failed="Cannot list channels"
        empty={{
          title: "No channels yet",
          children: "Approvals are only seen in the inbox until a channel is added.",
        }}
        className="channels"
        columns={["Name", "Type", "Host", "Gets", "Decision links", "Updated"]}
        actions={editor}
        row={(ch) => (
          <tr key={ch.name} data-channel={ch.name}>
            <td>
              <code>{ch.name}</code>
            </td>
            <td>{ch.type === "slack" ? "Slack" : "webhook"}</td>
            <td>
              <code>{ch.host}</code>
            </td>
            <td>{channelGets(ch.events)}</td>
            <td>
              <code>{ch.origin}</code>
            </td>
            <td>{formatTime(ch.updatedAt)}</td>
            {editor && (
              <ReplaceOrDelete
                onReplace={() => form.pick({ name: ch.name, type: ch.type, events: ch.events })}
                onDelete={() => setDeleting(ch.name)}
              />
            )}
          </tr>
        )}
      />
      {editor ? (
        <ChannelForm
          key={form.key}
          draft={form.draft}
          taken={list.map((c) => c.name)}
          onSaved={() => {
            form.reset();
            channels.reload();
          }}
        />
      ) : (
        <p className="muted">Adding and deleting channels needs a key with the edit scope.</p>
      )}
      <TelemetrySection />
      {deleting && (
        <DeleteChannelDialog
          name={deleting}
          onClose={(deleted) => {
            setDeleting(null);
            if (deleted) channels.reload();
          }}
        />
      )}
    </div>
  );
}
