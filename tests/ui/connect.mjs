// The connect page in a real browser: a user makes a key right there, the settings for
// each client carry the proxy's URL and that key, and a Copy button puts a snippet on the
// clipboard. Prints the copied curl snippet for the Rust test to run its key.
// Usage: node connect.mjs BASE_URL EMAIL PASSWORD SCREENSHOT_DIR
import { launch, shots, check, signIn, run } from "./lib.mjs";

const [base, email, password, dir] = process.argv.slice(2);

run(async () => {
  const browser = await launch();
  const shot = shots(dir, "connect");
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  await signIn(page, base, email, password, "/ui/connect");
  check((await page.textContent("#base-url")) === base, "the page names the proxy's address");
  await page.fill("#key_alias", "laptop-claude-code");
  await Promise.all([page.waitForLoadState("load"), page.click("#new-key button[type=submit]")]);
  await page.waitForSelector("#snippet-curl");
  check((await page.textContent("main")).includes("Your new key “laptop-claude-code”"), "the new key is announced");
  const claude = await page.inputValue("#text-claude-code");
  check(claude.includes(`ANTHROPIC_BASE_URL=${base}\n`) && /ANTHROPIC_AUTH_TOKEN=sk-\S+/.test(claude), "Claude Code gets the URL and the key");
  check(claude.includes("ANTHROPIC_MODEL=claude-connect"), "Claude Code gets an Anthropic model the key may use");
  const python = await page.inputValue("#text-openai-python");
  check(python.includes(`base_url="${base}/v1"`) && python.includes('model="connect-chat"'), "the OpenAI SDK gets /v1 and an OpenAI model");
  await shot(page, "new-key");

  await page.click("#snippet-curl button[data-copy]");
  await page.waitForFunction(() => document.querySelector("#snippet-curl button[data-copy]").textContent === "Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check(copied === (await page.inputValue("#text-curl")), "Copy puts the curl snippet on the clipboard");
  check(copied.includes(`${base}/v1/chat/completions`), "the copied snippet calls the proxy");
  console.log(`COPIED ${JSON.stringify(copied)}`);
  await shot(page, "copied");

  // Back on the page later: the key is a placeholder now, never shown again.
  await page.goto(base + "/ui/connect");
  check((await page.inputValue("#text-curl")).includes("YOUR_KEY"), "a key's secret is not shown twice");
  await browser.close();
});
