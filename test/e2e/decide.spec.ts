import { expect, signInAs, test } from "./fixtures";

/*
 * A decision link (docs/PEOPLE.md): an approver who has no session opens the link from the
 * notification a channel received, fills the approval's form, submits, and the run goes on;
 * the run view names who decided.
 */

interface Notice {
  runId: string;
  assignees: { name: string; approveUrl: string }[];
}

test("an approver decides through the link in a notification, without signing in", async ({
  page,
  api,
}) => {
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const hook = `${process.env.AOB_E2E_LLM}/hook/decide-${tag}`;
  const nina = await api.call<{ id: string }>("POST", "/api/users", {
    name: `Nina ${tag}`,
    email: `nina-${tag}@example.com`,
    roles: ["approver"],
  });
  await api.call("PUT", `/api/notification-channels/decide-${tag}`, {
    type: "webhook",
    url: hook,
    events: [],
  });
  const workflow = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `decide ${tag}`,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "review",
        type: "approval",
        config: {
          message: "Refund order 42?",
          approvers: { users: [nina.id] },
          notify: [`decide-${tag}`],
          form: {
            type: "object",
            properties: { amount: { type: "number", title: "Amount" } },
            required: ["amount"],
          },
        },
      },
      { id: "done", type: "end", config: { output: "{{ nodes.review.output }}" } },
    ],
    edges: [
      { from: "start", to: "review" },
      { from: "review", to: "done", on: "approved" },
    ],
  });
  const { runId } = await api.call<{ runId: string }>(
    "POST",
    `/api/workflows/${workflow.id}/runs`,
    {},
  );

  // The notification the channel received (a real POST to the receiver).
  let link = "";
  await expect
    .poll(async () => {
      const res = await fetch(hook);
      const { bodies } = (await res.json()) as { bodies: Notice[] };
      link = bodies.find((b) => b.runId === runId)?.assignees[0]?.approveUrl ?? "";
      return link;
    })
    .toContain("/decide?decision=approve#");

  // No session in this browser: the link alone decides, as Nina.
  await page.goto(link);
  await expect(page.getByText(`Deciding as Nina ${tag}`)).toBeVisible();
  await expect(page.getByText("Refund order 42?")).toBeVisible();
  await page.getByLabel("Amount").fill("12.5");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toContainText("The approval is now approved");

  // A second use of the same link is refused.
  await page.reload();
  await expect(page.getByRole("status")).toContainText("already decided");

  // The run went on; its page names who decided.
  await expect
    .poll(async () => (await api.call<{ status: string }>("GET", `/api/runs/${runId}`)).status)
    .toBe("completed");
  const run = await api.call<{ output: { by: string[]; data: { amount: number } } }>(
    "GET",
    `/api/runs/${runId}`,
  );
  expect(run.output).toMatchObject({ by: [`Nina ${tag}`], data: { amount: 12.5 } });
  await signInAs(page, api.key);
  await page.goto(`/runs/${runId}`);
  await page.getByRole("tab", { name: /Timeline/ }).click();
  await expect(page.getByText(`approved by Nina ${tag}`).first()).toBeVisible();
  await expect(page.getByText(`notified decide-${tag}`).first()).toBeVisible();
});
