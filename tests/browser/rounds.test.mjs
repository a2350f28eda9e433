// Issue 3: the leader writes the vision and opens a round, the technical lead
// answers blind in a second browser context, the leader reveals, takes notes
// and flags questions in the listening session.
import { test } from "node:test";
import assert from "node:assert/strict";
import { base, launch, fill, submit, answerAll } from "./harness.mjs";

test("vision, blind answers, reveal, listening session", async () => {
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

    // The leader writes the vision: pillars in their own editor, one row
    // each, and an extra question.
    await leader.getByRole("link", { name: "Vision", exact: true }).click();
    await leader.locator("#pillar-editor summary").click();
    await leader.fill("#pillar-0-name", "Effortless for small clinics");
    await leader.fill("#pillar-0-weight", "400");
    await leader.fill("#pillar-0-description", "Set up in an afternoon");
    await submit(leader, "Save pillars");
    // A bad weight: the editor stays open with the typed rows, the error
    // beside its field and summed up at the top of the editor.
    assert.ok(await leader.locator("#pillar-errors").getByText("The pillars were not saved.").isVisible());
    assert.equal(await leader.locator("#pillar-0-weight").getAttribute("aria-invalid"), "true");
    assert.equal(await leader.inputValue("#pillar-0-name"), "Effortless for small clinics");
    assert.ok(await leader.locator("#pillar-editor fieldset").first().getByText("Weight must be between 1 and 100").isVisible());
    assert.equal(await leader.locator("#add-question .alert").count(), 0, "nothing about pillars under Add a question");
    await leader.fill("#pillar-0-weight", "40");
    await leader.fill("#pillar-1-name", "Trustworthy schedule");
    await leader.fill("#pillar-1-weight", "25");
    await submit(leader, "Save pillars");
    assert.ok(await leader.getByText("Pillars saved.").isVisible());
    assert.ok(await leader.locator("#pillars").getByText("Trustworthy schedule").isVisible());
    // Reorder and remove, each one click.
    await leader.locator("#pillar-editor summary").click();
    await submit(leader, "Move pillar “Trustworthy schedule” up");
    assert.ok(await leader.getByText("Pillars saved.").isVisible());
    await leader.locator("#pillar-editor summary").click();
    assert.equal(await leader.inputValue("#pillar-0-name"), "Trustworthy schedule");
    await leader.fill("#pillar-2-name", "Gone soon");
    await leader.fill("#pillar-2-weight", "5");
    await submit(leader, "Save pillars");
    assert.ok(await leader.locator("#pillars").getByText("Gone soon").isVisible());
    await leader.locator("#pillar-editor summary").click();
    await submit(leader, "Remove pillar “Gone soon”");
    assert.equal(await leader.locator("#pillars").getByText("Gone soon").count(), 0);
    // Each kind of answer shows only its own settings.
    assert.ok(await leader.locator('textarea[name="options"]').isHidden());
    await leader.selectOption('select[name="kind"]', "ranking");
    assert.ok(await leader.locator('textarea[name="options"]').isVisible());
    assert.ok(await leader.locator('input[name="unit"]').isHidden());
    await fill(leader, "prompt", "How many paying clinics in 3 years?");
    await leader.selectOption('select[name="kind"]', "number");
    assert.ok(await leader.locator('textarea[name="options"]').isHidden());
    assert.equal(await leader.inputValue('input[name="number_min"]'), "0", "counts start at zero");
    await fill(leader, "unit", "clinics");
    await leader.fill('#add-question [name="weight"]', "3");
    await submit(leader, "Add question");
    assert.ok(await leader.getByText("8. How many paying clinics in 3 years?").isVisible());
    assert.ok(await leader.getByText("counts ×3").isVisible(), "the question's weight shows");
    assert.ok(await leader.getByText("in clinics, from 0").isVisible());

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

    // The leader opens and sends a round; the technical lead is preselected.
    await leader.goto(`${workspace}/rounds`);
    await fill(leader, "title", "Q1 alignment");
    await submit(leader, "Create round");
    assert.ok(await leader.locator("#participants").getByText("Tom Tech").isVisible());
    await submit(leader, "Send to participants");
    const round = leader.url();

    // Tom's home page says what waits for him; his Vision tab shows the
    // questions but not Lena's pillars or weights until the reveal.
    await tech.goto(`${base}/`);
    assert.ok(await tech.getByRole("link", { name: "Answer “Q1 alignment”" }).isVisible());
    await tech.goto(`${workspace}/vision`);
    assert.ok(await tech.getByText("hidden for now").isVisible());
    assert.ok(!(await tech.content()).includes("Effortless for small clinics"));
    assert.equal(await tech.getByText("counts ×3").count(), 0);
    await tech.goto(`${base}/`);
    await tech.getByRole("link", { name: "Answer “Q1 alignment”" }).click();
    // A count refuses a negative number, beside its field.
    await answerAll(tech, "Clinic groups with IT departments");
    // A ranking is dragged or moved with the keyboard; the textarea behind it follows.
    const ranking = tech.locator("ol.rank-list").first();
    const before = await ranking.locator("li").allTextContents();
    await ranking.locator("li").first().focus();
    await tech.keyboard.press("ArrowDown");
    const after = await ranking.locator("li").allTextContents();
    assert.equal(after[0], before[1], "the second option moved up");
    await tech.locator('input[inputmode="decimal"]').first().fill("-5");
    await submit(tech, "Save and submit");
    assert.ok(await tech.getByText("Enter at least 0 clinics").isVisible());
    await tech.locator('input[inputmode="decimal"]').first().fill("300");
    await submit(tech, "Save and submit");
    assert.match(await tech.locator(".flash").textContent(), /^Submitted\./);

    // Lena sees that Tom submitted, not what he wrote.
    await leader.goto(round);
    assert.ok(await leader.locator("#participants").getByText("submitted").first().isVisible());
    await leader.goto(`${round}/session`);
    assert.ok((await leader.content()).includes("opens when the round is revealed"));
    assert.ok(!(await leader.content()).includes("Clinic groups with IT departments"));

    await leader.goto(`${round}/answer`);
    await answerAll(leader, "Small independent clinics");
    await submit(leader, "Save and submit");
    await leader.getByRole("link", { name: "Reveal…" }).click();
    await submit(leader, "Reveal");
    assert.match(leader.url(), /\/session$/);
    // The scores appear without a manual reload.
    await leader.getByText("/ 100 ·").first().waitFor({ timeout: 20000 });
    const session = await leader.content();
    assert.ok(session.includes("Clinic groups with IT departments a_ideal-customer"));
    assert.ok(session.includes("Small independent clinics a_ideal-customer"));

    // Notes and flags on the first question.
    // A flag saves on its own: one click, no "Save note".
    let first = leader.locator("#q-ideal-customer");
    await Promise.all([leader.waitForLoadState("load"), first.getByRole("button", { name: "Misaligned" }).click()]);
    assert.ok(await leader.getByText("Flag saved: Misaligned.").isVisible());
    await leader.reload();
    first = leader.locator("#q-ideal-customer");
    assert.equal(await first.getByRole("button", { name: "Misaligned" }).getAttribute("aria-pressed"), "true");
    assert.equal(await first.getByText("not flagged yet").count(), 0);
    // Saving the notes keeps the flag.
    await first.locator('textarea[name="note"]').fill("Small clinics vs groups: decide who comes first.");
    await Promise.all([leader.waitForLoadState("load"), first.getByRole("button", { name: "Save note" }).click()]);
    assert.ok(await leader.getByText("Note saved.").isVisible());
    await leader.goto(`${round}/summary`);
    assert.ok(await leader.locator("#summary").getByText("Misaligned").isVisible());

    // On a phone: chart text stays readable and no page scrolls sideways.
    await leader.setViewportSize({ width: 390, height: 844 });
    for (const path of ["summary", "session"]) {
      await leader.goto(`${round}/${path}`);
      const wide = await leader.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 390, `${path} scrolls sideways: ${wide}px`);
      const sizes = await leader.evaluate(() =>
        [...document.querySelectorAll("svg text")].map((t) => t.getBoundingClientRect().height));
      assert.ok(sizes.length > 0, `${path} draws a chart`);
      assert.ok(Math.min(...sizes) >= 12, `${path}: chart text ${Math.min(...sizes)} px`);
    }
    await leader.setViewportSize({ width: 1280, height: 800 });

    // The note is Lena's own: Tom sees the flag, not the note, until she
    // shares it; he has no way to edit or flag.
    await tech.goto(`${round}/session`);
    assert.ok(!(await tech.content()).includes("Small clinics vs groups"));
    assert.ok(await tech.locator("#q-ideal-customer").getByText("Misaligned").first().isVisible());
    assert.equal(await tech.locator('textarea[name="note"]').count(), 0);
    await leader.goto(`${round}/session`);
    first = leader.locator("#q-ideal-customer");
    assert.ok(await first.getByText("Private: only those who run rounds read it.").isVisible());
    await first.getByLabel("Share this note with Tom Tech").check();
    await Promise.all([leader.waitForLoadState("load"), first.getByRole("button", { name: "Save note" }).click()]);
    assert.ok(await leader.locator("#q-ideal-customer").getByText("Shared: Tom Tech reads this note.").isVisible());
    await tech.reload();
    assert.ok((await tech.content()).includes("Small clinics vs groups"));
  } finally {
    await browser.close();
  }
});
