//! Prices per token. A built-in table of common models (`prices.json`, embedded, in
//! LiteLLM's `model_prices_and_context_window.json` format), optionally overridden by such
//! a file (`pricing_file`), and per deployment by `litellm_params`/`model_info` (the
//! router resolves that order). A model without a price costs 0 and is logged once.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;

const BUILT_IN: &str = include_str!("prices.json");

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    /// A prompt token read from the provider's prompt cache (LiteLLM's
    /// `cache_read_input_token_cost`); the input price when the table has none.
    pub cache_read: Option<f64>,
    /// A prompt token written to the prompt cache (`cache_creation_input_token_cost`).
    pub cache_creation: Option<f64>,
}

/// The tokens of one answer, with the prompt split as providers with a prompt cache report
/// it: `input` is the uncached part only (Anthropic's `input_tokens`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub input: u64,
    pub cache_creation: u64,
    pub cache_read: u64,
    pub output: u64,
}

impl Usage {
    /// Every prompt token, cached or not (the spend row's `prompt_tokens`).
    pub fn prompt(self) -> u64 {
        self.input + self.cache_creation + self.cache_read
    }
}

impl Price {
    pub fn cost(self, prompt_tokens: u64, completion_tokens: u64) -> f64 {
        prompt_tokens as f64 * self.input + completion_tokens as f64 * self.output
    }

    /// The cost of an answer whose prompt was partly read from or written to a cache, each
    /// part at its own price.
    pub fn cost_of(self, usage: Usage) -> f64 {
        usage.input as f64 * self.input
            + usage.cache_creation as f64 * self.cache_creation.unwrap_or(self.input)
            + usage.cache_read as f64 * self.cache_read.unwrap_or(self.input)
            + usage.output as f64 * self.output
    }
}

#[derive(Deserialize)]
struct Entry {
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    cache_read_input_token_cost: Option<f64>,
    cache_creation_input_token_cost: Option<f64>,
}

fn usable(price: Option<f64>) -> Option<f64> {
    price.filter(|p| p.is_finite() && *p >= 0.0)
}

#[derive(Default)]
pub struct PriceTable {
    by_model: HashMap<String, Price>,
    warned: parking_lot::Mutex<HashSet<String>>,
}

impl PriceTable {
    /// The built-in table, then `file` on top of it.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let mut table = Self::default();
        table.merge(BUILT_IN).map_err(|e| format!("the built-in price table is invalid: {e}"))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read pricing_file {}: {e}", path.display()))?;
            table
                .merge(&text)
                .map_err(|e| format!("pricing_file {} is not a LiteLLM price file: {e}", path.display()))?;
        }
        Ok(table)
    }

    fn merge(&mut self, text: &str) -> Result<(), serde_json::Error> {
        // Entries of other shapes (LiteLLM's `sample_spec`, image models) are skipped.
        let raw: HashMap<String, serde_json::Value> = serde_json::from_str(text)?;
        for (model, value) in raw {
            if let Ok(entry) = serde_json::from_value::<Entry>(value)
                && let Some(input) = usable(entry.input_cost_per_token)
            {
                let price = Price {
                    input,
                    output: usable(entry.output_cost_per_token).unwrap_or(0.0),
                    cache_read: usable(entry.cache_read_input_token_cost),
                    cache_creation: usable(entry.cache_creation_input_token_cost),
                };
                self.by_model.insert(model, price);
            }
        }
        Ok(())
    }

    /// The price of `model` as written in `litellm_params.model` (`azure/gpt-4o`) or
    /// bare: the full name first, then without the provider prefix.
    pub fn lookup(&self, model: &str) -> Option<Price> {
        if let Some(price) = self.by_model.get(model) {
            return Some(*price);
        }
        model.split_once('/').and_then(|(_, bare)| self.by_model.get(bare)).copied()
    }

    /// Logs (once per model) that a model has no price, so its requests cost 0.
    pub fn warn_unpriced(&self, model: &str) {
        if self.warned.lock().insert(model.to_string()) {
            tracing::warn!(
                model,
                "no price for this model: its requests cost 0 (set input_cost_per_token and output_cost_per_token in model_info, or pricing_file)"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_prices_and_prefixes() {
        let table = PriceTable::load(None).unwrap();
        let price = table.lookup("openai/gpt-4o-mini").unwrap();
        assert_eq!(price, Price { input: 1.5e-7, output: 6e-7, cache_read: None, cache_creation: None });
        assert_eq!(table.lookup("azure/gpt-4o"), table.lookup("gpt-4o"));
        assert!(table.lookup("my-local-llama").is_none());
        assert!((price.cost(1000, 100) - (1.5e-4 + 6e-5)).abs() < 1e-12);
    }

    #[test]
    fn a_price_file_overrides_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.json");
        std::fs::write(
            &path,
            r#"{"sample_spec": {"max_tokens": "set to max"}, "gpt-4o": {"input_cost_per_token": 1.0, "output_cost_per_token": 2.0, "cache_read_input_token_cost": 0.1, "cache_creation_input_token_cost": 1.25}}"#,
        )
        .unwrap();
        let table = PriceTable::load(Some(&path)).unwrap();
        let price = Price { input: 1.0, output: 2.0, cache_read: Some(0.1), cache_creation: Some(1.25) };
        assert_eq!(table.lookup("gpt-4o"), Some(price));
        assert!(PriceTable::load(Some(&dir.path().join("missing.json"))).is_err());
    }

    #[test]
    fn cached_prompt_tokens_cost_their_own_price() {
        let table = PriceTable::load(None).unwrap();
        let sonnet = table.lookup("anthropic/claude-sonnet-4-5").unwrap();
        let usage = Usage { input: 10, cache_creation: 1000, cache_read: 2000, output: 100 };
        let expected = 10.0 * 3e-6 + 1000.0 * 3.75e-6 + 2000.0 * 3e-7 + 100.0 * 1.5e-5;
        assert!((sonnet.cost_of(usage) - expected).abs() < 1e-12, "{}", sonnet.cost_of(usage));
        assert_eq!(usage.prompt(), 3010);
        // Without cache prices a cached token costs the input price.
        let plain = Price { input: 1.0, output: 2.0, ..Price::default() };
        assert_eq!(plain.cost_of(usage), 3010.0 + 200.0);
    }
}
