// Shared set-up for the browser tests: Debian's Chromium, headless; Playwright
// gives every launch a fresh temporary profile.
import { chromium } from "playwright-core";

export const base = process.env.PARALLAX_URL;
if (!base) throw new Error("PARALLAX_URL is not set: run these tests through `cargo test --test browser`");

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}

/** Fills a labelled form field by its name attribute. */
export async function fill(page, name, value) {
  await page.fill(`[name="${name}"]`, value);
}

/** Submits the form that holds the given button text and waits for the next page. */
export async function submit(page, buttonText) {
  await Promise.all([
    page.waitForLoadState("load"),
    page.getByRole("button", { name: buttonText }).click(),
  ]);
}

// Answers every question of an answer form: text in words, numbers as
// "1,000", and a ranking kept in the offered order, confirmed as one's own.
export async function answerAll(page, words) {
  for (const area of await page.locator('textarea[name^="a_"]').all()) {
    const value = await area.inputValue();
    if (value.includes("\n")) continue; // a ranking: keep the offered order
    await area.fill(`${words} ${await area.getAttribute("name")}`);
  }
  for (const input of await page.locator('input[inputmode="decimal"]').all()) await input.fill("1,000");
  for (const box of await page.getByLabel("This order, as shown, is my ranking").all()) await box.check();
}
