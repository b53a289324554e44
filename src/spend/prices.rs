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
}

impl Price {
    pub fn cost(self, prompt_tokens: u64, completion_tokens: u64) -> f64 {
        prompt_tokens as f64 * self.input + completion_tokens as f64 * self.output
    }
}

#[derive(Deserialize)]
struct Entry {
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
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
            if let Ok(Entry { input_cost_per_token: Some(input), output_cost_per_token: output }) =
                serde_json::from_value::<Entry>(value)
                && input.is_finite()
                && input >= 0.0
            {
                let output = output.filter(|o| o.is_finite() && *o >= 0.0).unwrap_or(0.0);
                self.by_model.insert(model, Price { input, output });
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
        assert_eq!(price, Price { input: 1.5e-7, output: 6e-7 });
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
            r#"{"sample_spec": {"max_tokens": "set to max"}, "gpt-4o": {"input_cost_per_token": 1.0, "output_cost_per_token": 2.0}}"#,
        )
        .unwrap();
        let table = PriceTable::load(Some(&path)).unwrap();
        assert_eq!(table.lookup("gpt-4o"), Some(Price { input: 1.0, output: 2.0 }));
        assert!(PriceTable::load(Some(&dir.path().join("missing.json"))).is_err());
    }
}
