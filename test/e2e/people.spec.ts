import { Api, expect, test } from "./fixtures";

/** Start → an approval with these settings → end. */
async function waitingRun(api: Api, name: string, config: Record<string, unknown>) {
  const wf = await api.call<{ id: string }>("POST", "/api/workflows", {
    name,
    nodes: [
      { id: "start", type: "start" },
      { id: "ask", type: "approval", config },
      { id: "done", type: "end", join: "any" },
    ],
    edges: [
      { from: "start", to: "ask" },
      { from: "ask", to: "done", on: "approved" },
      { from: "ask", to: "done", on: "rejected" },
    ],
  });
  return (await api.call<{ runId: string }>("POST", `/api/workflows/${wf.id}/runs`, {})).runId;
}

test("an admin adds an approver, makes them a key shown once, and the audit log lists both", async ({
  signedIn: page,
  api,
}, info) => {
  const tag = `${Date.now().toString(36)}${info.workerIndex}`;
  const name = `Approver ${tag}`;
  await page.goto("/");
  await expect(page.getByTestId("signed-in-user")).toHaveText("Local admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/users$/);

  const add = page.getByRole("form", { name: "Add a user" });
  await add.getByLabel("Name").fill(name);
  await add.getByLabel("Email").fill(`${tag}@example.com`);
  await add.getByLabel(/^approver/).check();
  await add.getByRole("button", { name: "Add user" }).click();
  await expect(page.locator("tr", { hasText: `${tag}@example.com` })).toContainText("approver");

  // Their keys open once they are added. A scope their roles do not grant is refused at its path.
  const make = page.getByRole("form", { name: `Make a key for ${name}` });
  await make.getByLabel("Key name").fill("laptop");
  await make.getByLabel(/^admin/).check();
  await make.getByRole("button", { name: "Make key" }).click();
  await expect(make.getByRole("alert")).toContainText(
    `scopes[2]: the user's roles (approver) do not grant "admin"`,
  );
  await make.getByLabel(/^admin/).uncheck();
  await make.getByRole("button", { name: "Make key" }).click();
  const shown = page.getByRole("status", { name: "New key" });
  await expect(shown).toContainText("shown this once");
  const key = (await shown.getByTestId("new-key").textContent()) ?? "";
  expect(key).toMatch(/^aob_/);
  await page.screenshot({ path: info.outputPath("users.png") });
  await shown.getByRole("button", { name: "I have copied it" }).click();
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  await expect(page.getByRole("region", { name: `Keys of ${name}` })).toContainText(
    "read, approve",
  );
  // The key acts as its user.
  const me = await new Api(api.url, key).call<{ user: { name: string } }>(
    "GET",
    "/api/sessions/current",
  );
  expect(me.user.name).toBe(name);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await page.getByLabel("Action").selectOption("user.create");
  await expect(page).toHaveURL(/action=user\.create/);
  const created = page.locator("tr", { hasText: `name: ${name}` });
  await expect(created).toContainText("Local admin");
  await expect(created).toContainText("roles: approver");
  await page.getByLabel("Action").selectOption("key.create");
  const made = page.locator("tr", { hasText: `user: ${name}` });
  await expect(made).toContainText("Local admin");
  await expect(made).toContainText("name: laptop · scopes: read, approve");
  await page.screenshot({ path: info.outputPath("audit.png") });
});

test("the inbox's Waiting for me lists approvals assigned to me, not another user's; a vote names its voter", async ({
  signedIn: page,
  api,
}) => {
  const tag = `${Date.now().toString(36)}${test.info().workerIndex}`;
  const other = await api.call<{ id: string }>("POST", "/api/users", {
    name: `Other ${tag}`,
    roles: ["approver"],
  });
  const mine = await waitingRun(api, `e2e mine ${tag}`, {
    message: `For admins ${tag}`,
    approvers: { roles: ["admin"] },
    quorum: 2,
  });
  const theirs = await waitingRun(api, `e2e theirs ${tag}`, {
    message: `For the other ${tag}`,
    approvers: { users: [other.id] },
    quorum: 2,
    rejectIf: "majority",
  });

  await page.goto("/approvals");
  const myItem = page.locator(`.inbox li[data-run="${mine}"]`);
  await expect(myItem.getByTestId("assigned")).toHaveText("role admin");
  await expect(myItem.getByTestId("quorum")).toHaveText(
    "0 approving / 2 required; any rejection rejects it",
  );
  await expect(page.locator(`.inbox li[data-run="${theirs}"]`)).toHaveCount(0);

  await page.getByRole("link", { name: "Everyone's" }).click();
  const theirItem = page.locator(`.inbox li[data-run="${theirs}"]`);
  await expect(theirItem.getByTestId("assigned")).toHaveText(`Other ${tag}`);
  await expect(theirItem.getByTestId("quorum")).toHaveText(
    "0 approving / 2 required; 2 rejections reject it (a majority of the quorum of 2)",
  );

  // Once I have voted, it no longer waits for me; the run's card says who voted.
  await page.getByRole("link", { name: "Waiting for me" }).click();
  await myItem.getByRole("button", { name: "Approve" }).click();
  await expect(myItem).toHaveCount(0);
  await page.goto(`/runs/${mine}`);
  const card = page.getByTestId("approval-ask");
  await expect(card.getByTestId("quorum")).toContainText("1 approving / 2 required");
  await expect(card).toContainText("Local admin approved");
});
