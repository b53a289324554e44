// The request log in a real browser: the admin filters the log to failures with the form
// (no script needed), opens the failure's detail and reads why it failed, then finds a
// request by its call id with the search box and reads its kept request and response.
// Usage: node logs.mjs BASE_URL MASTER_KEY SCREENSHOT_DIR FAILED_CALL_ID OK_CALL_ID
import { launch, shots, check, signIn, run } from "./lib.mjs";

const [base, masterKey, dir, failedId, okId] = process.argv.slice(2);

run(async () => {
  const browser = await launch();
  const shot = shots(dir, "logs");
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await signIn(page, base, "admin", masterKey, "/ui/logs");
  const all = await page.locator("#log tbody tr[data-status]").count();
  check(all === 3, `the log lists every request (${all})`);
  check(await page.locator("nav.sections a[aria-current=page]").textContent() === "Logs", "the Logs tab is current");
  await shot(page, "all");

  await page.selectOption("#status", "failure");
  await Promise.all([page.waitForURL((url) => url.searchParams.get("status") === "failure"), page.click("#log-filters button[type=submit]")]);
  const failures = await page.locator("#log tbody tr[data-status=failure]").count();
  const successes = await page.locator("#log tbody tr[data-status=success]").count();
  check(failures === 1 && successes === 0, `filtered to failures only (${failures} failed, ${successes} succeeded)`);
  check((await page.textContent("#log tbody")).includes("mock fail400"), "the failure's error shows in the list");
  check(await page.inputValue("#status") === "failure", "the filter stays chosen");
  await shot(page, "failures");

  await Promise.all([page.waitForURL((url) => url.pathname === `/ui/logs/${failedId}`), page.click("#log tbody tr[data-status=failure] td a")]);
  check((await page.textContent("#failure")).includes("mock fail400"), "the detail says why it failed");
  check((await page.textContent("#request-id")) === failedId, "the detail names the call id");
  await shot(page, "failure-detail");

  await page.goto(base + "/ui/logs");
  await page.fill("#q", okId);
  await Promise.all([page.waitForURL((url) => url.searchParams.get("q") === okId), page.press("#q", "Enter")]);
  const found = await page.locator("#log tbody tr[data-status]").count();
  check(found === 1 && (await page.locator(`a[href="/ui/logs/${okId}"]`).count()) === 1, "the search by call id finds that request");
  await shot(page, "search");

  // Payload capture is on: the request's detail shows what was asked and answered.
  await Promise.all([page.waitForURL((url) => url.pathname === `/ui/logs/${okId}`), page.click(`a[href="/ui/logs/${okId}"]`)]);
  const asked = await page.textContent("#request-body");
  const answered = await page.textContent("#response-body");
  check(asked.includes('"content": "hi"') && answered.includes("tok tok"), "the detail shows the kept request and response");
  await shot(page, "payload");
  await browser.close();
});
