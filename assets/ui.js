// The UI's little script: copy buttons, confirmations and the streaming test chat. Every
// action also works without it (plain forms and confirmation pages).
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  field.select();
  const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 2000); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// The test chat: posts the conversation to /ui/test-key/chat and shows the reply as it streams.
(() => {
  const form = document.getElementById("chat-form");
  if (!form) return;
  const log = document.getElementById("messages");
  const history = [];
  const csrf = document.querySelector("meta[name=csrf-token]")?.content || "";
  const add = (role, text) => {
    const p = document.createElement("p");
    p.className = "msg " + role;
    const who = document.createElement("b");
    who.textContent = role === "user" ? "You: " : "Assistant: ";
    const body = document.createElement("span");
    body.textContent = text;
    p.append(who, body);
    log.append(p);
    log.scrollTop = log.scrollHeight;
    return { p, body };
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = form.elements.message;
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    add("user", text);
    history.push({ role: "user", content: text });
    const reply = add("assistant", "");
    const status = document.getElementById("chat-status");
    status.textContent = "Waiting for the reply…";
    const payload = { model: form.elements.model.value, api_key: form.elements.api_key?.value || "", messages: history };
    try {
      const response = await fetch("/ui/test-key/chat", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(payload),
      });
      if (!response.ok || !response.body) {
        const problem = await response.json().catch(() => null);
        reply.body.textContent = "Error: " + (problem?.error?.message || response.status);
        reply.p.classList.add("error");
        history.pop();
        status.textContent = "";
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      let answer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of event.split("\n")) {
            if (!line.startsWith("data: ")) continue;
            const data = line.slice(6);
            if (data === "[DONE]") continue;
            let chunk;
            try { chunk = JSON.parse(data); } catch { continue; }
            if (chunk.proxy_summary) {
              const s = chunk.proxy_summary;
              const meta = document.createElement("span");
              meta.className = "meta";
              meta.textContent = `${s.prompt_tokens} prompt + ${s.completion_tokens} completion tokens · cost $${Number(s.cost).toFixed(6)}`;
              reply.p.append(meta);
            } else if (chunk.error) {
              answer += "\n[error: " + (chunk.error.message || "unknown") + "]";
            } else {
              const piece = chunk.choices?.[0]?.delta?.content;
              if (piece) answer += piece;
            }
            reply.body.textContent = answer;
            log.scrollTop = log.scrollHeight;
          }
        }
      }
      history.push({ role: "assistant", content: answer });
      status.textContent = "";
    } catch (error) {
      reply.body.textContent = "Error: " + error;
      status.textContent = "";
    }
  });
})();
