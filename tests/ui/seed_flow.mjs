// The self-serve seed flow end to end in a real browser:
// admin signs in -> creates an internal user -> copies the invitation link -> (new
// context) the user opens it, sets a password, is signed in -> creates a key above the
// upper bound (clamped, the page shows the real value) -> edits its budget -> chats in the test pane and sees
// a streamed reply -> the admin sees that spend on the usage page.
// Usage: node seed_flow.mjs BASE_URL ADMIN_PASSWORD SCREENSHOT_DIR MODEL
import { launch, shots, check, signIn, run } from "./lib.mjs";

const [base, adminPassword, dir, model] = process.argv.slice(2);

run(async () => {
  const browser = await launch();
  const shot = shots(dir, "seed");
  const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await admin.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const a = await admin.newPage();
  await signIn(a, base, "admin", adminPassword, "/ui/users");
  await shot(a, "admin-users");

  await a.click("text=+ New user");
  await a.fill("#f-user_email", "not-an-email");
  await a.click("main button[type=submit]");
  check(await a.locator(".field.invalid #f-user_email").count() === 1, "a bad email is shown beside its field");
  check(await a.inputValue("#f-user_email") === "not-an-email", "the value typed is kept");
  await shot(a, "new-user-error");
  await a.fill("#f-user_email", "alice@example.com");
  await a.selectOption("#f-user_role", "internal_user");
  await a.click("main button[type=submit]");
  const link = await a.inputValue("#invitation-link");
  check(link.includes("/ui/onboarding?id="), "the invitation link is shown");
  await a.click("button[data-copy=invitation-link]");
  await a.waitForSelector("button[data-copy=invitation-link]:has-text('Copied')");
  const copied = await a.evaluate(() => navigator.clipboard.readText());
  check(copied === link, "the copy button puts the link on the clipboard");
  await shot(a, "invitation-link");

  const userContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const u = await userContext.newPage();
  await u.goto(copied);
  await shot(u, "onboarding");
  await u.fill("#password", "correct horse battery");
  await u.fill("#confirm_password", "correct horse battery");
  await Promise.all([u.waitForURL((url) => url.pathname === "/ui"), u.click("main button[type=submit]")]);
  check((await u.textContent(".who")).includes("alice@example.com"), "the invited user is signed in");
  await shot(u, "user-overview-phone");
  await userContext.close();

  const alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await alice.newPage();
  await signIn(p, base, "alice@example.com", "correct horse battery", "/ui/keys");
  check((await p.textContent("main")).includes("No keys yet"), "the keys page says there are no keys yet");
  await shot(p, "keys-empty");
  await p.click("text=create one");
  const hint = await p.textContent("label[for=f-max_budget]");
  check(hint.includes("at most $10"), "the upper bound is shown on the form");
  await p.fill("#f-key_alias", "alice-laptop");
  await p.fill("#f-max_budget", "500");
  await p.check(`input[name=models][value="${model}"]`);
  await shot(p, "key-form");
  await p.click("main button[type=submit]");
  const key = await p.inputValue("#new-key");
  check(key.startsWith("sk-"), "the new key is shown once");
  const budget = await p.textContent("#budget");
  check(budget.includes("$10.00") && budget.includes("lowered from $500.00"), "the budget was clamped and the page shows the real value");
  check((await p.textContent(".warning")).includes("shown only once"), "a warning says the key is shown once");
  await shot(p, "key-created");
  await p.goto(base + "/ui/keys");
  check((await p.textContent("table")).includes("alice-laptop"), "the key is listed");
  await shot(p, "keys-list");

  await p.click("tr:has-text('alice-laptop') >> text=Edit");
  check((await p.inputValue("#f-max_budget")) === "10", "the edit form shows the key's budget");
  await p.fill("#f-max_budget", "-4");
  await p.click("main button[type=submit]");
  check(await p.locator(".field.invalid #f-max_budget").count() === 1, "a negative budget is shown beside its field");
  check((await p.inputValue("#f-max_budget")) === "-4", "the value typed is kept");
  await shot(p, "key-edit-error");
  await p.fill("#f-max_budget", "4.5");
  await Promise.all([p.waitForURL((url) => url.pathname === "/ui/keys"), p.click("main button[type=submit]")]);
  check((await p.textContent("tr:has-text('alice-laptop')")).includes("$4.50"), "the edited budget is listed");
  await shot(p, "key-edited");

  await p.goto(base + "/ui/test-key");
  await p.selectOption("#f-model", model);
  await p.fill("#f-message", "Hello from the session");
  await p.click("#chat-form button[type=submit]");
  // Part of the reply shows before its end (the summary comes last): it streams.
  await p.waitForFunction(() => {
    const reply = document.querySelector(".msg.assistant span");
    return reply && reply.textContent.includes("tok") && !document.querySelector(".msg.assistant .meta");
  }, null, { timeout: 15000 });
  console.log("ok the reply shows while it streams");
  await p.waitForSelector(".msg.assistant .meta", { timeout: 15000 });
  const first = await p.textContent(".msg.assistant");
  check(/tok tok tok/.test(first) && /completion tokens/.test(first), "the whole reply arrives with its tokens and cost");
  await p.fill("#f-api_key", key);
  await p.fill("#f-message", "Hello from the key");
  await p.click("#chat-form button[type=submit]");
  await p.waitForFunction(() => document.querySelectorAll(".msg.assistant .meta").length === 2, null, { timeout: 15000 });
  const second = (await p.locator(".msg.assistant .meta").nth(1).textContent()) || "";
  check(/cost \$0\.0[1-9]/.test(second), `the reply on the key costs money (${second.trim()})`);
  await shot(p, "test-chat");

  await a.goto(base + "/ui/usage");
  const total = await a.textContent("#total-spend");
  check(total !== "$0.00", `the admin's usage page shows the spend (${total})`);
  check((await a.textContent("main")).includes(model), "the model appears in the breakdown");
  check((await a.textContent("main")).includes("alice-laptop"), "the key appears in the breakdown");
  await shot(a, "admin-usage");
  const csv = await a.evaluate(async () => (await fetch("/ui/usage.csv")).text());
  check(csv.startsWith("date,team,key") && csv.includes("alice-laptop"), "the CSV export has the rows");

  // Signing out is a button (a POST with the page's CSRF token), and it ends the session.
  await Promise.all([p.waitForURL((url) => url.pathname.startsWith("/ui/login") || url.pathname === "/login"), p.click("text=Sign out")]);
  await p.goto(base + "/ui/keys");
  check(new URL(p.url()).pathname.startsWith("/ui/login"), "after signing out, /ui/keys asks to sign in again");
  await browser.close();
});
