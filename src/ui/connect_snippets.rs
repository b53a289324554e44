//! The settings each client needs, as text to paste: Claude Code, Codex, Cursor,
//! Continue, Open WebUI, LibreChat, the OpenAI SDKs (Python, Node), the Anthropic SDK and
//! curl. Pure text from the proxy's public URL, a key (the secret when it was just made,
//! else a placeholder naming the key) and the models of each dialect that key may use; a
//! client whose dialect the proxy does not serve to that key is left out.

use serde::Serialize;

/// What a key can reach, by dialect.
pub struct Reach<'a> {
    pub base: &'a str,
    pub key: &'a str,
    /// Models served in OpenAI's chat dialect.
    pub openai: &'a [String],
    /// Models served in Anthropic's Messages dialect.
    pub anthropic: &'a [String],
    /// Whether the proxy serves OpenAI's Responses API (Codex needs it).
    pub responses: bool,
}

#[derive(Serialize, Debug)]
pub struct Snippet {
    pub id: &'static str,
    pub title: &'static str,
    /// Where it goes (a file, a settings screen, a shell).
    pub place: &'static str,
    pub text: String,
    /// Its number of lines, for the text box's height.
    pub lines: usize,
}

/// Every snippet the key's reach allows, in the order the page shows them.
pub fn snippets(reach: &Reach<'_>) -> Vec<Snippet> {
    let (base, key) = (reach.base.trim_end_matches('/'), reach.key);
    let v1 = format!("{base}/v1");
    let mut out = Vec::new();
    let mut add =
        |id, title, place, text: String| out.push(Snippet { id, title, place, lines: text.lines().count(), text });
    if let Some(model) = reach.anthropic.first() {
        add(
            "claude-code",
            "Claude Code",
            "your shell (or ~/.claude/settings.json's \"env\")",
            format!(
                "export ANTHROPIC_BASE_URL={base}\nexport ANTHROPIC_AUTH_TOKEN={key}\nexport ANTHROPIC_MODEL={model}\nclaude\n"
            ),
        );
    }
    if let Some(model) = reach.openai.first().filter(|_| reach.responses) {
        add(
            "codex",
            "Codex",
            "~/.codex/config.toml, and PROXY_API_KEY in your shell",
            format!(
                "model = \"{model}\"\nmodel_provider = \"proxy\"\n\n[model_providers.proxy]\nname = \"proxy\"\nbase_url = \"{v1}\"\nenv_key = \"PROXY_API_KEY\"\nwire_api = \"responses\"\n\n# and in your shell:\n# export PROXY_API_KEY={key}\n"
            ),
        );
    }
    if let Some(model) = reach.openai.first() {
        let list = reach.openai.join(", ");
        add(
            "cursor",
            "Cursor",
            "Settings → Models → API Keys",
            format!("OpenAI API Key: {key}\nOverride OpenAI Base URL: {v1}\nModels to add (\"+ Add model\"): {list}\n"),
        );
        add(
            "continue",
            "Continue",
            "~/.continue/config.yaml",
            format!(
                "models:\n  - name: {model}\n    provider: openai\n    model: {model}\n    apiBase: {v1}\n    apiKey: {key}\n"
            ),
        );
        add(
            "open-webui",
            "Open WebUI",
            "its container's environment (or Admin Settings → Connections)",
            format!(
                "docker run -d -p 3000:8080 \\\n  -e OPENAI_API_BASE_URL={v1} \\\n  -e OPENAI_API_KEY={key} \\\n  ghcr.io/open-webui/open-webui:main\n"
            ),
        );
        let models: Vec<String> = reach.openai.iter().map(|m| format!("\"{m}\"")).collect();
        add(
            "librechat",
            "LibreChat",
            "librechat.yaml",
            format!(
                "endpoints:\n  custom:\n    - name: \"proxy\"\n      apiKey: \"{key}\"\n      baseURL: \"{v1}\"\n      models:\n        default: [{}]\n        fetch: true\n",
                models.join(", ")
            ),
        );
        add(
            "openai-python",
            "OpenAI SDK for Python",
            "pip install openai",
            format!(
                "from openai import OpenAI\n\nclient = OpenAI(base_url=\"{v1}\", api_key=\"{key}\")\nreply = client.chat.completions.create(\n    model=\"{model}\",\n    messages=[{{\"role\": \"user\", \"content\": \"Hello\"}}],\n)\nprint(reply.choices[0].message.content)\n"
            ),
        );
        add(
            "openai-node",
            "OpenAI SDK for Node",
            "npm install openai",
            format!(
                "import OpenAI from \"openai\";\n\nconst client = new OpenAI({{ baseURL: \"{v1}\", apiKey: \"{key}\" }});\nconst reply = await client.chat.completions.create({{\n  model: \"{model}\",\n  messages: [{{ role: \"user\", content: \"Hello\" }}],\n}});\nconsole.log(reply.choices[0].message.content);\n"
            ),
        );
    }
    if let Some(model) = reach.anthropic.first() {
        add(
            "anthropic-python",
            "Anthropic SDK for Python",
            "pip install anthropic",
            format!(
                "import anthropic\n\nclient = anthropic.Anthropic(base_url=\"{base}\", api_key=\"{key}\")\nreply = client.messages.create(\n    model=\"{model}\",\n    max_tokens=256,\n    messages=[{{\"role\": \"user\", \"content\": \"Hello\"}}],\n)\nprint(reply.content[0].text)\n"
            ),
        );
    }
    let mut curl = String::new();
    if let Some(model) = reach.openai.first() {
        curl.push_str(&format!(
            "curl {v1}/chat/completions \\\n  -H \"Authorization: Bearer {key}\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{{\"model\": \"{model}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}]}}'\n"
        ));
    }
    if let Some(model) = reach.anthropic.first() {
        curl.push_str(&format!(
            "curl {v1}/messages \\\n  -H \"x-api-key: {key}\" \\\n  -H \"anthropic-version: 2023-06-01\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{{\"model\": \"{model}\", \"max_tokens\": 256, \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}]}}'\n"
        ));
    }
    if !curl.is_empty() {
        add("curl", "curl", "a shell", curl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(reach: &Reach<'_>) -> Vec<&'static str> {
        snippets(reach).iter().map(|s| s.id).collect()
    }

    #[test]
    fn each_client_gets_the_url_key_and_a_model_of_its_dialect() {
        let (openai, anthropic) = (vec!["gpt-4o".to_string()], vec!["claude-sonnet-4-5".to_string()]);
        let reach = Reach {
            base: "https://llm.example.com/",
            key: "sk-abc",
            openai: &openai,
            anthropic: &anthropic,
            responses: true,
        };
        let all = snippets(&reach);
        let text = |id: &str| all.iter().find(|s| s.id == id).map(|s| s.text.clone()).unwrap();
        assert!(text("claude-code").contains("ANTHROPIC_BASE_URL=https://llm.example.com\n"));
        assert!(
            text("claude-code").contains("ANTHROPIC_AUTH_TOKEN=sk-abc")
                && text("claude-code").contains("ANTHROPIC_MODEL=claude-sonnet-4-5")
        );
        assert!(
            text("codex").contains("[model_providers.proxy]") && text("codex").contains("wire_api = \"responses\"")
        );
        assert!(
            text("codex").contains("base_url = \"https://llm.example.com/v1\"")
                && text("codex").contains("env_key = \"PROXY_API_KEY\"")
        );
        assert!(text("openai-python").contains("OpenAI(base_url=\"https://llm.example.com/v1\", api_key=\"sk-abc\")"));
        assert!(text("anthropic-python").contains("model=\"claude-sonnet-4-5\""));
        assert!(text("curl").contains("/v1/chat/completions") && text("curl").contains("/v1/messages"));
        assert!(text("librechat").contains("default: [\"gpt-4o\"]"));
    }

    #[test]
    fn a_client_of_a_dialect_the_key_cannot_reach_is_left_out() {
        let openai = vec!["gpt-4o".to_string()];
        let only_openai = Reach { base: "http://x", key: "k", openai: &openai, anthropic: &[], responses: false };
        assert_eq!(
            ids(&only_openai),
            ["cursor", "continue", "open-webui", "librechat", "openai-python", "openai-node", "curl"]
        );
        let anthropic = vec!["claude".to_string()];
        let only_anthropic = Reach { base: "http://x", key: "k", openai: &[], anthropic: &anthropic, responses: true };
        assert_eq!(ids(&only_anthropic), ["claude-code", "anthropic-python", "curl"]);
        assert!(
            snippets(&Reach { base: "http://x", key: "k", openai: &[], anthropic: &[], responses: true }).is_empty()
        );
    }
}
