//! The usage page's breakdowns, summed in one pass over aggregate rows: per model, key
//! and team. Maps keyed by the columns' bytes (no UTF-8 check, no allocation unless the
//! group is new) with a fast hash; with SipHash and `String` keys this loop was a third
//! of the page's time at a million spend rows. (One map keyed by model, key and team
//! together measured no faster: the model and team maps are tiny and stay in cache.)

use super::usage_data::Totals;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Grouped totals by the group's text.
pub type Grouped = Vec<(String, Totals)>;

type Map = HashMap<Vec<u8>, Totals, BuildHasherDefault<FastHash>>;

/// Sums per model, key and team.
#[derive(Default)]
pub struct Sums([Map; 3]);

/// The summed breakdowns: per model, key and team.
pub struct Breakdowns {
    pub models: HashMap<String, Totals>,
    pub keys: HashMap<String, Totals>,
    pub teams: HashMap<String, Totals>,
}

impl Sums {
    pub fn add(&mut self, model: &[u8], key: &[u8], team: &[u8], add: Totals) {
        for (map, part) in self.0.iter_mut().zip([model, key, team]) {
            match map.get_mut(part) {
                Some(totals) => totals.add(&add),
                None => {
                    map.insert(part.to_vec(), add.clone());
                }
            }
        }
    }

    pub fn finish(self) -> Breakdowns {
        let texts = |map: Map| map.into_iter().map(|(part, totals)| (text(&part), totals)).collect();
        let [models, keys, teams] = self.0;
        Breakdowns { models: texts(models), keys: texts(keys), teams: texts(teams) }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The rustc compiler's "Fx" hash with a final mix. The keys are model names, key hashes
/// and team ids from the proxy's own rows, so a fast hash is safe here; SipHash was a
/// tenth of the page's time.
#[derive(Default)]
struct FastHash(u64);

impl Hasher for FastHash {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        for byte in chunks.remainder() {
            self.mix(u64::from(*byte));
        }
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply only carries low bits upwards: ids that differ only in their last
        // characters (the high bytes of the last word) would share their low bits and
        // pile into one bucket. Folding the high half down spreads them.
        let folded = (self.0 ^ (self.0 >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        folded ^ (folded >> 29)
    }
}

impl FastHash {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    fn totals(spend: f64) -> Totals {
        Totals { spend, prompt: 1, completion: 2, tokens: 3, requests: 1 }
    }

    #[test]
    fn rows_fold_into_models_keys_and_teams() {
        let mut sums = Sums::default();
        sums.add(b"m1", b"k1", b"", totals(1.0));
        sums.add(b"m2", b"k1", b"t", totals(2.0));
        sums.add(b"m1", b"k2", b"t", totals(4.0));
        sums.add(b"m1", b"k1", b"", totals(8.0));
        let out = sums.finish();
        assert_eq!((out.models["m1"].spend, out.models["m2"].spend), (13.0, 2.0));
        assert_eq!((out.keys["k1"].spend, out.keys["k2"].spend, out.keys["k1"].requests), (11.0, 4.0, 3));
        assert_eq!((out.teams[""].spend, out.teams["t"].spend), (9.0, 6.0));
    }

    #[test]
    fn ids_that_differ_at_the_end_spread_over_buckets() {
        let build = BuildHasherDefault::<FastHash>::default();
        let low_bits: HashSet<u64> =
            (0..1000).map(|i| build.hash_one(format!("{i:064x}").as_bytes()) & 0x3ff).collect();
        assert!(low_bits.len() > 500, "{} distinct bucket indexes of 1000", low_bits.len());
    }
}
