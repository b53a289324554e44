// Viewers in a real browser: an admin viewer sees usage and every key but is offered no
// create, edit, block or delete, and a forged form post from them is refused; an
// internal_user_viewer is not offered key creation and cannot create one either.
// Usage: node viewers.mjs BASE_URL PASSWORD SCREENSHOT_DIR KEY_TOKEN
import { launch, shots, check, signIn, run } from "./lib.mjs";

const [base, password, dir, token] = process.argv.slice(2);

async function forged(page, path, fields) {
  return page.evaluate(async ([path, fields]) => {
    const csrf = document.querySelector("meta[name=csrf-token]").content;
    const body = new URLSearchParams({ csrf_token: csrf, ...fields });
    const response = await fetch(path, { method: "POST", body, redirect: "manual" });
    return { status: response.status, text: await response.text() };
  }, [path, fields]);
}

run(async () => {
  const browser = await launch();
  const shot = shots(dir, "viewers");

  const v = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signIn(v, base, "viewer@example.com", password, "/ui/usage");
  check((await v.textContent("main")).includes("Everyone's spend"), "the admin viewer sees everyone's usage");
  await shot(v, "admin-viewer-usage");
  await v.goto(base + "/ui/keys");
  check((await v.textContent("table")).includes("someone-elses-key"), "the admin viewer sees all keys");
  check(await v.locator("text=+ Create key").count() === 0, "no create button for the admin viewer");
  check(await v.locator("text=Delete").count() === 0, "no delete button for the admin viewer");
  check(await v.locator("button:has-text('Block')").count() === 0, "no block button for the admin viewer");
  await shot(v, "admin-viewer-keys");
  const create = await forged(v, "/ui/keys/new", { key_alias: "forged" });
  check(create.status === 403, `a forged create from the admin viewer is refused (${create.status})`);
  const del = await forged(v, `/ui/keys/${token}/delete`, {});
  check(del.status === 403, `a forged delete from the admin viewer is refused (${del.status})`);
  check(await v.locator("a:has-text('Edit')").count() === 0, "no edit link for the admin viewer");
  const edit = await forged(v, `/ui/keys/${token}/edit`, { max_budget: "999" });
  check(edit.status === 403, `a forged edit from the admin viewer is refused (${edit.status})`);
  await v.goto(base + "/ui/users");
  check(await v.locator("text=+ New user").count() === 0, "no new-user button for the admin viewer");
  await shot(v, "admin-viewer-users");
  const invite = await forged(v, "/ui/users/new", { user_email: "mallory@example.com", user_role: "proxy_admin", mode: "invite" });
  check(invite.status >= 400, `a forged new user from the admin viewer is refused (${invite.status})`);

  const w = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signIn(w, base, "reader@example.com", password, "/ui/keys");
  check(await w.locator("text=+ Create key").count() === 0, "no create button for the internal_user_viewer");
  check((await w.textContent("main")).includes("cannot create keys"), "the empty state says why");
  await shot(w, "user-viewer-keys");
  await w.goto(base + "/ui/keys/new");
  check((await w.textContent("main")).includes("may not create keys"), "the create page refuses the internal_user_viewer");
  const own = await forged(w, "/ui/keys/new", { key_alias: "forged-too" });
  check(own.status === 401 || own.status === 403, `a forged create from the internal_user_viewer is refused (${own.status})`);
  await w.goto(base + "/ui/users");
  check((await w.textContent("main")).includes("Admins only"), "users are hidden from the internal_user_viewer");
  await w.goto(base + "/ui/test-key");
  await shot(w, "user-viewer-test-key");
  await browser.close();
});
