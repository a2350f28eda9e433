// Issue 2: sign up, create a workspace, invite a technical lead, accept the
// invitation in a second browser context, see each other in the member list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { base, launch, fill, submit } from "./harness.mjs";

test("a leader and a technical lead end up in one workspace", async () => {
  const browser = await launch();
  try {
    const leaderContext = await browser.newContext();
    const leader = await leaderContext.newPage();
    const blocked = [];
    leader.on("console", (msg) => { if (/Content Security Policy/i.test(msg.text())) blocked.push(msg.text()); });

    await leader.goto(`${base}/`);
    assert.match(leader.url(), /\/signup$/, "a fresh instance opens on sign-up");
    await fill(leader, "name", "Lena Leader");
    await fill(leader, "email", "lena@northwind.test");
    await fill(leader, "password", "northwind vision twenty thirty");
    await fill(leader, "workspace", "First try");
    await submit(leader, "Create account");
    assert.match(leader.url(), /\/w\/\d+$/);
    assert.ok(await leader.getByText("Your workspace is ready").isVisible(), "flash message shown");

    await leader.goto(`${base}/w`);
    await fill(leader, "name", "Northwind Clinics");
    await submit(leader, "Create workspace");
    assert.match(leader.url(), /\/w\/\d+$/);
    assert.equal(await leader.locator("h1").textContent(), "Northwind Clinics");

    await leader.getByRole("link", { name: "Members", exact: true }).click();
    await leader.selectOption("#invite-role", "tech_lead");
    await submit(leader, "Create invitation link");
    const link = await leader.inputValue("#invite-link");
    assert.match(link, /\/invite\/[A-Za-z0-9_-]{43}$/);

    const techContext = await browser.newContext();
    const tech = await techContext.newPage();
    await tech.goto(link);
    assert.ok(await tech.getByText("Lena Leader invites you as").isVisible());
    await fill(tech, "name", "Tom Tech");
    await fill(tech, "email", "tom@partner.test");
    await fill(tech, "password", "partner builds it right");
    await submit(tech, "Create account and join");
    assert.match(tech.url(), /\/w\/\d+$/);
    assert.equal(await tech.locator("h1").textContent(), "Northwind Clinics");

    await tech.getByRole("link", { name: "Members", exact: true }).click();
    const techView = await tech.locator("#members").textContent();
    assert.ok(techView.includes("Lena Leader") && techView.includes("Tom Tech"));
    assert.ok(techView.includes("Technical lead"));

    await leader.reload();
    const leaderView = await leader.locator("#members").textContent();
    assert.ok(leaderView.includes("Tom Tech") && leaderView.includes("tom@partner.test"));

    // The same link does not work twice.
    const third = await (await browser.newContext()).newPage();
    const response = await third.goto(link);
    assert.equal(response.status(), 404);

    // Works on a phone-sized screen: nothing overflows horizontally.
    await leader.setViewportSize({ width: 375, height: 740 });
    const overflow = await leader.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page overflows a phone screen by ${overflow}px`);
    assert.deepEqual(blocked, [], "no CSP violations");
  } finally {
    await browser.close();
  }
});
