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

    // The leader writes the vision: pillars and an extra question.
    await leader.getByRole("link", { name: "Vision", exact: true }).click();
    await leader.locator("details summary").click();
    await leader.fill('textarea[name="pillars"]', "Effortless for small clinics | 40 | Set up in an afternoon\nTrustworthy schedule | 25 | Always right");
    await submit(leader, "Save pillars");
    assert.ok(await leader.getByText("Pillars saved.").isVisible());
    await fill(leader, "prompt", "How many paying clinics in 3 years?");
    await leader.selectOption('select[name="kind"]', "number");
    await fill(leader, "unit", "clinics");
    await fill(leader, "weight", "3");
    await submit(leader, "Add question");
    assert.ok(await leader.getByText("8. How many paying clinics in 3 years?").isVisible());
    assert.ok(await leader.getByText("counts ×3").isVisible(), "the question's weight shows");

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

    // Tom answers blind.
    await tech.goto(round);
    await tech.getByRole("link", { name: "Answer now" }).click();
    await answerAll(tech, "Clinic groups with IT departments");
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

    // Tom sees the notes but has no way to edit or flag.
    await tech.goto(`${round}/session`);
    const techView = await tech.content();
    assert.ok(techView.includes("Small clinics vs groups"));
    assert.equal(await tech.locator('textarea[name="note"]').count(), 0);
  } finally {
    await browser.close();
  }
});
