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

/// Prices of requests not counted in tokens, under LiteLLM's keys: images
/// (`input_cost_per_image`, else `output_cost_per_image`; `input_cost_per_pixel`), audio
/// (`input_cost_per_second`), speech (`input_cost_per_character`) and rerank
/// (`input_cost_per_query`, a Cohere search unit).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UnitPrice {
    pub per_image: Option<f64>,
    pub per_pixel: Option<f64>,
    pub per_second: Option<f64>,
    pub per_character: Option<f64>,
    pub per_query: Option<f64>,
}

impl UnitPrice {
    /// Each price of `self`, else `other`'s.
    pub fn or(self, other: UnitPrice) -> UnitPrice {
        UnitPrice {
            per_image: self.per_image.or(other.per_image),
            per_pixel: self.per_pixel.or(other.per_pixel),
            per_second: self.per_second.or(other.per_second),
            per_character: self.per_character.or(other.per_character),
            per_query: self.per_query.or(other.per_query),
        }
    }

    pub fn is_empty(self) -> bool {
        self == UnitPrice::default()
    }
}

#[derive(Deserialize)]
struct Entry {
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    cache_read_input_token_cost: Option<f64>,
    cache_creation_input_token_cost: Option<f64>,
    input_cost_per_image: Option<f64>,
    output_cost_per_image: Option<f64>,
    input_cost_per_pixel: Option<f64>,
    input_cost_per_second: Option<f64>,
    input_cost_per_character: Option<f64>,
    input_cost_per_query: Option<f64>,
    /// LiteLLM's `mode` (`chat`, `image_generation`, `audio_speech`, ...).
    mode: Option<String>,
}

fn usable(price: Option<f64>) -> Option<f64> {
    price.filter(|p| p.is_finite() && *p >= 0.0)
}

#[derive(Default)]
pub struct PriceTable {
    by_model: HashMap<String, Price>,
    /// Per image, second, character or query, for the models priced so.
    by_unit: HashMap<String, UnitPrice>,
    /// What each model is for (LiteLLM's `mode`), where the table says.
    modes: HashMap<String, String>,
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
        // Entries of other shapes (LiteLLM's `sample_spec`) are skipped.
        let raw: HashMap<String, serde_json::Value> = serde_json::from_str(text)?;
        for (model, value) in raw {
            let Ok(entry) = serde_json::from_value::<Entry>(value) else { continue };
            let units = UnitPrice {
                per_image: usable(entry.input_cost_per_image).or(usable(entry.output_cost_per_image)),
                per_pixel: usable(entry.input_cost_per_pixel),
                per_second: usable(entry.input_cost_per_second),
                per_character: usable(entry.input_cost_per_character),
                per_query: usable(entry.input_cost_per_query),
            };
            if !units.is_empty() {
                self.by_unit.insert(model.clone(), units);
            }
            if let Some(mode) = &entry.mode {
                self.modes.insert(model.clone(), mode.clone());
            }
            if let Some(input) = usable(entry.input_cost_per_token) {
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

    /// The per-unit prices of `model` (as [`Self::lookup`] finds it); empty when none.
    pub fn lookup_units(&self, model: &str) -> UnitPrice {
        let found =
            self.by_unit.get(model).or_else(|| model.split_once('/').and_then(|(_, bare)| self.by_unit.get(bare)));
        found.copied().unwrap_or_default()
    }

    /// What `model` is for, when the table says (LiteLLM's `mode`).
    pub fn mode(&self, model: &str) -> Option<&str> {
        let found = self.modes.get(model).or_else(|| model.split_once('/').and_then(|(_, bare)| self.modes.get(bare)));
        found.map(String::as_str)
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
    fn media_models_have_unit_prices_and_modes() {
        let table = PriceTable::load(None).unwrap();
        assert_eq!(table.lookup_units("openai/whisper-1").per_second, Some(0.0001));
        assert_eq!(table.lookup_units("tts-1").per_character, Some(1.5e-5));
        assert_eq!(table.lookup_units("hd/1024-x-1024/dall-e-3").per_image, Some(0.08));
        assert_eq!(table.lookup_units("rerank-english-v3.0").per_query, Some(0.002));
        assert_eq!(table.mode("openai/tts-1"), Some("audio_speech"));
        assert_eq!(table.mode("gpt-4o"), Some("chat"));
        assert!(table.lookup_units("gpt-4o").per_image.is_none());
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
