// Every main page of the demo workspace, as the leader and as the technical
// lead see it, on a desktop and on a phone: axe-core finds no serious or
// critical accessibility violation (every form control has a label), no page
// scrolls sideways at 390 px and chart text stays at least 12 px tall.
// With PARALLAX_SCREENSHOTS set to a folder, each page is also photographed
// there at both widths (scripts/screenshots.sh keeps docs/screenshots/ fresh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { base, launch, fill, submit } from "./harness.mjs";

const axeScript = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const logins = JSON.parse(process.env.PARALLAX_DEMO_LOGINS || "null");
const shots = process.env.PARALLAX_SCREENSHOTS;
// The pages photographed for the README (the walk checks more).
const photographed = new Set([
  "home", "overview", "vision", "cadence", "answer", "session", "summary", "gaps", "gap", "over-time", "my-actions",
  "tech-home",
  "tech-vision",
]);
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Violations of impact serious or critical, one line each. */
async function accessibilityProblems(page) {
  await page.addScriptTag({ path: axeScript });
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
    );
}

/** Form controls a screen reader would announce without a name. */
async function unlabelledControls(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((el) => el.type !== "hidden" && !el.closest("[hidden]"))
      .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

// What every page got wrong, reported together at the end.
const problems = [];

/** Checks one page at both widths; photographs it when asked. */
async function check(page, name, url) {
  await page.setViewportSize(DESKTOP);
  const response = await page.goto(url);
  assert.ok(response.status() < 500, `${name}: ${url} answered ${response.status()}`);
  const photo = shots && photographed.has(name);
  if (photo) await page.screenshot({ path: path.join(shots, `${name}-desktop.png`), fullPage: true });
  const found = [...(await accessibilityProblems(page)), ...(await unlabelledControls(page)).map((c) => `no label: ${c}`)];

  await page.setViewportSize(PHONE);
  await page.reload();
  if (photo) await page.screenshot({ path: path.join(shots, `${name}-phone.png`), fullPage: true });
  const words = await page.innerText("body");
  for (const [one] of words.matchAll(/\b1 (people|claims|rounds|gaps|members|questions|answers|proposals|actions)\b/g)) {
    found.push(`reads “${one}”`);
  }
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > PHONE.width) found.push(`scrolls sideways on a phone: ${wide}px`);
  const text = await page.evaluate(() =>
    [...document.querySelectorAll("svg text")].map((t) => t.getBoundingClientRect().height).filter((h) => h > 0),
  );
  if (text.length && Math.min(...text) < 12) found.push(`chart text ${Math.min(...text)} px on a phone`);
  for (const problem of await accessibilityProblems(page)) found.push(`on a phone: ${problem}`);
  await page.setViewportSize(DESKTOP);
  problems.push(...[...new Set(found)].map((p) => `${name}: ${p}`));
}

async function signIn(browser, login) {
  const page = await (await browser.newContext({ viewport: DESKTOP, bypassCSP: true })).newPage();
  await page.goto(`${base}/login`);
  await fill(page, "email", login.email);
  await fill(page, "password", login.password);
  await submit(page, "Sign in");
  return page;
}

/** The address of the link with this text on the current page. */
async function linkTo(page, text) {
  const href = await page.getByRole("link", { name: text }).first().getAttribute("href");
  assert.ok(href, `a link to “${text}”`);
  return new URL(href, page.url()).href;
}

test("the demo's main pages are accessible and fit a phone", async () => {
  assert.ok(logins, "PARALLAX_DEMO_LOGINS is set by tests/browser.rs");
  const browser = await launch();
  try {
    const anonymous = await (await browser.newContext({ viewport: DESKTOP, bypassCSP: true })).newPage();
    await check(anonymous, "sign-in", `${base}/login`);
    await check(anonymous, "sign-up", `${base}/signup`);
    await check(anonymous, "forgot-password", `${base}/password/forgot`);
    await check(anonymous, "not-found", `${base}/no-such-page`);

    const lena = await signIn(browser, logins[0]);
    await check(lena, "home", `${base}/`);
    const workspace = await linkTo(lena, "Northwind Clinics");
    await check(lena, "overview", workspace);
    await check(lena, "vision", `${workspace}/vision`);
    await check(lena, "rounds", `${workspace}/rounds`);
    await check(lena, "cadence", `${workspace}/cadence`);
    await lena.goto(`${workspace}/rounds`);
    const summer = await linkTo(lena, "Summer 2026 alignment");
    const winter = await linkTo(lena, "Winter 2026 alignment");
    await check(lena, "round-open", winter);
    await check(lena, "answer", `${winter}/answer`);
    // The worker analyses the demo's rounds as the server starts.
    for (let tries = 0; ; tries++) {
      await lena.goto(`${summer}/summary`);
      if (await lena.locator("#alignment-index").count()) break;
      assert.ok(tries < 60, "the summer round is analysed within a minute");
      await lena.waitForTimeout(1000);
    }
    assert.equal(await lena.getByText("lexical fallback").count(), 0, "the text model scored the demo");
    await check(lena, "session", `${summer}/session`);
    await check(lena, "summary", `${summer}/summary`);
    await check(lena, "gaps", `${workspace}/gaps`);
    await lena.goto(`${workspace}/gaps`);
    const gap = await linkTo(lena, "Reliability still ranked above growth");
    await check(lena, "gap", gap);
    await check(lena, "patterns", `${workspace}/gaps/patterns`);
    await check(lena, "over-time", `${workspace}/trend`);
    await check(lena, "proposals", `${workspace}/gaps/proposals`);
    await check(lena, "new-gap", `${workspace}/gaps/new`);
    await check(lena, "my-actions", `${base}/actions`);
    await check(lena, "members", `${workspace}/members`);
    await check(lena, "audit", `${workspace}/audit`);
    await check(lena, "account", `${base}/account`);

    const tom = await signIn(browser, logins[1]);
    await check(tom, "tech-home", `${base}/`);
    await check(tom, "tech-vision", `${workspace}/vision`);
    await check(tom, "tech-answer", `${winter}/answer`);
    await check(tom, "tech-session", `${summer}/session`);
    await check(tom, "tech-actions", `${base}/actions`);
    await check(tom, "tech-over-time", `${workspace}/trend`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
