// The console's browser test, run by e2e/console_test.go against a live
// server and bot: Playwright's core drives Debian's chromium, headless.
// Each step waits for what a person would see, and saves a screenshot.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = process.env.BF_URL;
const code = process.env.BF_LOGIN_CODE;
const botName = process.env.BF_BOT;
const shots = process.env.BF_SCREENSHOTS;
const phone = "+1 555 000 7001";
const password = "correct horse battery";

const profile = mkdtempSync(join(tmpdir(), "buttonflow-console-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.BF_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 760 },
});
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(30000);
page.on("pageerror", (e) => console.log("page error:", e.message));
page.on("console", (m) => { if (m.type() === "error") console.log("page console:", m.text()); });

let step = 0;
async function shot(name) {
  step++;
  const file = join(shots, String(step).padStart(2, "0") + "-" + name + ".png");
  await page.screenshot({ path: file });
  console.log("screenshot", file);
}
function log(...a) { console.log("-", ...a); }
const toast = (text) => page.locator(".toast", { hasText: text });
const bubble = (text) => page.locator(".msg .bubble", { hasText: text });
const inline = (text) => page.locator(".inline-kb button", { hasText: text }).last();

async function logIn(withPassword) {
  await page.fill("#phone", phone);
  await page.click("#phone-form button");
  await page.fill("#code", code);
  await page.click("#code-form button");
  if (withPassword) {
    await page.waitForSelector("#login-password-form:not([hidden])");
    await shot("2fa-login");
    await page.fill("#login-password", password);
    await page.click("#login-password-form button");
  }
}

try {
  log("sign up");
  await page.goto(base);
  await logIn(false);
  await page.waitForSelector("#signup-form:not([hidden])");
  await page.fill("#first-name", "Dana");
  await page.fill("#last-name", "Console");
  await page.click("#signup-form button");
  await page.waitForSelector("#app:not([hidden])");
  await page.waitForSelector("body[data-live='1']"); // the event stream is open

  log("set a 2FA password");
  await page.click("#password-settings");
  await page.fill("#pw-new", password);
  await page.fill("#pw-hint", "horse");
  await page.click("#modal button[value=set]");
  await toast("Password set").waitFor();

  log("start the bot with a deep-link parameter");
  await page.fill("#start-username", "t.me/" + botName + "?start=from_console");
  await page.click("#start-form button");
  await bubble("Pick a button (from_console)").waitFor();
  await page.locator("#keyboard button", { hasText: "Red" }).waitFor();
  await shot("chat-with-keyboards");

  log("an inline callback button: the answer as a toast");
  await inline("Toast").click();
  await toast("Hello from the bot").waitFor();
  await page.locator("#raw-log pre", { hasText: "messages.getBotCallbackAnswer" }).first().waitFor();
  await page.locator("#raw-log pre", { hasText: "messages.botCallbackAnswer" }).first().waitFor();
  await shot("callback-toast");
  log("the same button again: answered from the cache (cache_time 60)");
  await toast("Hello from the bot").first().waitFor({ state: "detached" });
  await inline("Toast").click();
  await toast("Hello from the bot").waitFor();
  await page.locator("#raw-log", { hasText: "answered from the cache" }).waitFor();

  log("an alert answer");
  await inline("Alert").click();
  await page.locator("#alert-text", { hasText: "Careful: this is an alert" }).waitFor();
  await shot("callback-alert");
  await page.click("#modal button[value=ok]");
  await page.locator("#modal[open]").waitFor({ state: "detached" }).catch(() => {});

  log("a bot that does not answer: spinner, then BOT_RESPONSE_TIMEOUT");
  await inline("Slow").click();
  await page.waitForSelector("#busy:not([hidden])");
  await page.waitForSelector(".inline-kb button.loading");
  await shot("callback-waiting");
  await toast("The bot did not answer").waitFor({ timeout: 60000 });
  await shot("callback-timeout");

  log("a reply keyboard button sends its text; single_use hides the keyboard");
  const input = page.locator("#input");
  if (await input.getAttribute("placeholder") !== "Pick a colour") throw new Error("the keyboard's placeholder is not shown");
  await page.locator("#keyboard button", { hasText: "Red" }).click();
  await page.locator(".msg.out .bubble", { hasText: "Red" }).waitFor();
  await bubble("You chose Red").waitFor();
  await page.waitForSelector("#keyboard", { state: "hidden" });
  await shot("reply-keyboard-sent");

  log("a password button: wrong password, then the right one");
  await inline("Secret").click();
  await page.fill("#modal-password", "wrong horse");
  await page.click("#modal button[value=ok]");
  await toast("PASSWORD_HASH_INVALID").waitFor({ timeout: 60000 });
  await shot("password-button-wrong");
  await inline("Secret").click();
  await page.fill("#modal-password", password);
  await page.click("#modal button[value=ok]");
  await toast("Password accepted").waitFor({ timeout: 60000 });
  await page.locator("#raw-log pre", { hasText: "inputCheckPasswordSRP" }).first().waitFor();
  await shot("password-button-right");

  log("a url button asks first");
  await inline("Docs").click();
  await page.locator("#modal", { hasText: "Do you want to open this URL?" }).waitFor();
  await shot("url-prompt");
  await page.click("#modal button[value=cancel]");

  log("sending text; an edit arrives live");
  await input.fill("live");
  await page.click("#send");
  await bubble("Version 2").waitFor();
  await page.locator(".msg .bubble", { hasText: "Version 2" }).locator(".meta", { hasText: "edited" }).waitFor();

  log("log out, and back in through the 2FA password");
  await page.click("#logout");
  await page.waitForSelector("#phone-form:not([hidden])");
  await logIn(true);
  await page.waitForSelector("#app:not([hidden])");
  await page.locator("#me-name", { hasText: "Dana Console" }).waitFor();
  await page.locator("#chat-list li", { hasText: "Test " + botName }).waitFor();
  log("done");
} catch (e) {
  await shot("failure").catch(() => {});
  console.error(e);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
