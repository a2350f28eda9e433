// Issue 5: a question flagged misaligned opens a gap; the gap gets an action
// of each kind owned by the partner's technical lead, who sees them under
// "My actions"; a second round shows the question aligned and the leader
// closes the gap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { base, launch, fill, submit, answerAll } from "./harness.mjs";

async function runRound(leader, tech, workspace, title, leaderWords, techWords) {
  await leader.goto(`${workspace}/rounds`);
  await fill(leader, "title", title);
  await submit(leader, "Create round");
  await submit(leader, "Send to participants");
  const round = leader.url();
  await tech.goto(`${round}/answer`);
  await answerAll(tech, techWords);
  await submit(tech, "Save and submit");
  await leader.goto(`${round}/answer`);
  await answerAll(leader, leaderWords);
  await submit(leader, "Save and submit");
  await leader.getByRole("link", { name: "Reveal…" }).click();
  await submit(leader, "Reveal");
  return round;
}

async function flagFirst(leader, label) {
  const first = leader.locator("#q-ideal-customer");
  await Promise.all([leader.waitForLoadState("load"), first.getByRole("button", { name: label, exact: true }).click()]);
}

test("flag, open a gap, actions of each kind, my actions, close after round two", async () => {
  const browser = await launch();
  try {
    const leader = await (await browser.newContext()).newPage();
    await leader.goto(`${base}/signup`);
    await fill(leader, "name", "Lena Leader");
    await fill(leader, "email", "lena@northwind.test");
    await fill(leader, "password", "northwind vision twenty thirty");
    await fill(leader, "workspace", "Northwind Clinics");
    await submit(leader, "Create account");
    const workspace = leader.url();

    await leader.goto(`${workspace}/members`);
    await leader.selectOption("#invite-role", "tech_lead");
    await submit(leader, "Create invitation link");
    const link = await leader.inputValue("#invite-link");
    const tech = await (await browser.newContext()).newPage();
    await tech.goto(link);
    await fill(tech, "name", "Tom Tech");
    await fill(tech, "email", "tom@partner.test");
    await fill(tech, "password", "partner builds it right");
    await submit(tech, "Create account and join");

    await runRound(leader, tech, workspace, "Q1 alignment", "Small independent clinics", "Clinic groups with IT departments");
    await flagFirst(leader, "Misaligned");

    // The misaligned flag offers to open a gap, prefilled with round, question and person.
    await leader.locator("#q-ideal-customer").getByRole("link", { name: "Open a gap" }).click();
    await fill(leader, "title", "Small clinics or clinic groups first?");
    await submit(leader, "Add gap");
    assert.ok(await leader.getByText("Gap added.").isVisible());
    const gap = leader.url();

    const kinds = ["Priority change", "Team structure", "Process change", "Communication"];
    const tom = await leader.locator('select[name="owner"] option', { hasText: "Tom Tech" }).getAttribute("value");
    // An action without a title is refused on the same page, with what was chosen kept.
    await leader.selectOption('select[name="kind"]', { label: "Team structure" });
    await leader.selectOption('select[name="owner"]', tom);
    await submit(leader, "Add action");
    assert.ok(await leader.getByText("The action was not added").isVisible());
    assert.equal(await leader.locator('select[name="kind"] option:checked').textContent(), "Team structure");
    assert.equal(await leader.locator('select[name="owner"]').inputValue(), tom);
    assert.ok(await leader.getByRole("button", { name: "Sign out" }).isVisible());
    for (const kind of kinds) {
      await leader.selectOption('select[name="kind"]', { label: kind });
      await leader.fill('#actions input[name="title"]', `${kind}: agree on the first customer`);
      await leader.selectOption('select[name="owner"]', tom);
      await submit(leader, "Add action");
    }
    for (const kind of kinds) assert.ok(await leader.locator("#actions").getByText(`${kind}: agree on the first customer`).isVisible());

    await tech.goto(`${base}/actions`);
    assert.equal(await tech.locator("#my-actions tbody tr").count(), 4);
    assert.ok(await tech.getByText("Small clinics or clinic groups first?").first().isVisible());
    // Setting a status from the list stays on the list.
    const row = tech.locator("#my-actions tbody tr").first();
    await row.locator('select[name="status"]').selectOption({ label: "In progress" });
    await Promise.all([tech.waitForLoadState("load"), row.getByRole("button", { name: "Set" }).click()]);
    assert.match(tech.url(), /\/actions$/);
    assert.ok(await tech.getByText("Action updated.").isVisible());

    await runRound(leader, tech, workspace, "Q2 alignment", "Small independent clinics", "Small independent clinics");
    await flagFirst(leader, "Aligned");

    await leader.goto(gap);
    assert.ok(await leader.getByText("Aligned now in").isVisible());
    // Each status says what it means.
    assert.ok(await leader.locator("#status-help").getByText("A known difference you choose to live with", { exact: false }).isVisible());
    await submit(leader, "Close gap");
    assert.ok(await leader.getByText("Are they done?").isVisible());
    await submit(leader, "Close anyway");
    assert.ok(await leader.getByText("the gap is closed").isVisible());
  } finally {
    await browser.close();
  }
});
