// Shared by the browser flows: launching Debian's chromium through playwright-core with a
// fresh profile, screenshots under the directory the Rust test names, and signing in.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export async function launch() {
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  // playwright refuses `--user-data-dir` here: `launch` gives every run a fresh
  // temporary profile of its own (and separate contexts for separate visitors).
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  });
}

export function shots(dir, prefix) {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (page, name) => {
    n += 1;
    const file = join(dir, `${prefix}-${String(n).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot ${file}`);
  };
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok ${message}`);
}

export async function signIn(page, base, username, password, path = "/ui") {
  await page.goto(base + path);
  check(page.url().includes("/ui/login?next="), `a signed-out visit to ${path} goes to the sign-in page`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/ui/login") && url.pathname !== "/login"), page.click("main button[type=submit]")]);
  check(new URL(page.url()).pathname === path, `after sign-in the browser is back at ${path}`);
}

export async function run(main) {
  try {
    await main();
    console.log("FLOW PASSED");
  } catch (error) {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
  }
}
