// The Models page in a real browser: the admin adds a model with its upstream key, tests
// it (a one-token call whose answer the page shows), edits its price, and deletes it.
// In between, a client calls the model with a key made before the model existed.
// Usage: node models.mjs BASE_URL ADMIN_PASSWORD SCREENSHOT_DIR API_BASE UPSTREAM_MODEL KEY
import { launch, shots, check, signIn, run } from "./lib.mjs";

const [base, adminPassword, dir, apiBase, upstream, key] = process.argv.slice(2);

async function chat() {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "ui-added", messages: [{ role: "user", content: "hi" }] }),
  });
  return response.status;
}

run(async () => {
  const browser = await launch();
  const shot = shots(dir, "models");
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signIn(page, base, "admin", adminPassword, "/ui/models");
  await Promise.all([page.waitForURL("**/ui/models/new"), page.click("text=Add a model")]);

  // A mistake first: the form comes back with the message beside the field.
  await page.fill("#f-model_name", "ui-added");
  await page.fill("#f-model", `openai/${upstream}`);
  await page.fill("#f-api_base", "ftp://nowhere");
  await Promise.all([page.waitForLoadState("load"), page.click("main button[type=submit]")]);
  check((await page.textContent("#e-api_base")).includes("must start with http"), "a bad API base is named beside its field");
  check((await page.inputValue("#f-model_name")) === "ui-added", "the form keeps what was typed");

  await page.fill("#f-api_base", apiBase);
  await page.fill("#f-api_key", "sk-ui-upstream-key-123456");
  await page.fill("#f-input_per_million", "1.5");
  await page.fill("#f-output_per_million", "3");
  await Promise.all([page.waitForURL("**/ui/models?notice=added*"), page.click("main button[type=submit]")]);
  const id = new URL(page.url()).searchParams.get("id");
  check(!!id, "the new model's id comes back");
  const row = page.locator("tr", { hasText: "ui-added" });
  check((await row.textContent()).includes("added here"), "the model is listed as added here");
  check((await row.textContent()).includes("$1.50"), "its input price per million is shown");
  check(!(await page.content()).includes("sk-ui-upstream-key"), "its key is never shown");
  await shot(page, "added");

  await Promise.all([page.waitForLoadState("load"), row.locator("button", { hasText: "Test" }).click()]);
  await page.waitForSelector("#test-result");
  const result = await page.textContent("#test-result");
  check(result.includes("answered") && result.includes("chat.completion"), "Test shows the upstream's answer");
  await shot(page, "tested");
  console.log(`MODEL_ID ${id}`);
  check((await chat()) === 200, "a client calls the new model at once");

  await Promise.all([page.waitForURL(`**/ui/models/${id}/edit`), row.locator("a", { hasText: "Edit" }).click()]);
  check((await page.inputValue("#f-input_per_million")) === "1.5", "the edit form shows the stored price");
  check((await page.inputValue("#f-api_key")) === "", "the edit form never fills in the key");
  await page.fill("#f-input_per_million", "2");
  await Promise.all([page.waitForURL("**/ui/models?notice=updated"), page.click("main button[type=submit]")]);
  check((await page.locator("tr", { hasText: "ui-added" }).textContent()).includes("$2.00"), "the new price is listed");

  await Promise.all([
    page.waitForURL("**/ui/models?notice=deleted"),
    page.locator("tr", { hasText: "ui-added" }).locator("button", { hasText: "Delete" }).click(),
  ]);
  check((await page.locator("tr", { hasText: "ui-added" }).count()) === 0, "the deleted model is gone");
  check((await chat()) === 400, "a deleted model is refused at once");
  await shot(page, "deleted");
  await browser.close();
});
