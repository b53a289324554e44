//! The hash that finds a request's series: a word-at-a-time multiply-fold hash with a
//! per-process random seed, a tenth of SipHash's instructions for a label set of a key
//! hash, an alias and a few model names (SipHash took 1,500 of the 2,000 instructions a
//! request spent on metrics). SipHash's guarantee is not needed here: the labels are
//! names the admins chose (keys, teams, users, served models; an unserved model is
//! `other`), the number of series is capped, and the seed still keeps bucket placement
//! unpredictable. [`PassThrough`] then keys the map by that hash without hashing it again.

use std::hash::{BuildHasher, Hasher};

/// Multiplier of the fold (the fractional bits of pi, as foldhash uses).
const K: u64 = 0x243f_6a88_85a3_08d3;

/// Builds [`LabelHasher`]s with one random seed.
#[derive(Debug, Clone, Copy)]
pub struct LabelHash {
    seed: u64,
}

impl Default for LabelHash {
    fn default() -> Self {
        Self { seed: rand::random::<u64>() | 1 }
    }
}

impl BuildHasher for LabelHash {
    type Hasher = LabelHasher;

    fn build_hasher(&self) -> LabelHasher {
        LabelHasher { state: self.seed, seed: self.seed }
    }
}

pub struct LabelHasher {
    state: u64,
    seed: u64,
}

/// The 128-bit product's halves folded together: every input bit reaches every output bit.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl LabelHasher {
    fn add(&mut self, word: u64) {
        self.state = fold(self.state ^ word, K ^ self.seed);
    }
}

impl Hasher for LabelHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().unwrap_or([0; 8])));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" + "" apart from "a" + "b".
            self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte) | 1 << 63);
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        fold(self.state, self.seed.rotate_left(32) ^ K)
    }
}

/// For maps keyed by a [`LabelHash`] value: the key is its own hash.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassThrough;

pub struct PassThroughHasher(u64);

impl BuildHasher for PassThrough {
    type Hasher = PassThroughHasher;

    fn build_hasher(&self) -> PassThroughHasher {
        PassThroughHasher(0)
    }
}

impl Hasher for PassThroughHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys come here; anything else is folded in rather than lost.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::Hash;

    fn hash(build: &LabelHash, parts: &[&str]) -> u64 {
        let mut h = build.build_hasher();
        for part in parts {
            part.hash(&mut h);
        }
        h.finish()
    }

    #[test]
    fn equal_labels_hash_alike_and_shifted_boundaries_do_not() {
        let build = LabelHash::default();
        assert_eq!(hash(&build, &["sk-hash", "alias", "gpt-4o"]), hash(&build, &["sk-hash", "alias", "gpt-4o"]));
        assert_ne!(hash(&build, &["ab", ""]), hash(&build, &["a", "b"]));
        assert_ne!(hash(&build, &["abcdefgh", "i"]), hash(&build, &["abcdefghi", ""]));
        assert_ne!(hash(&build, &["", ""]), hash(&build, &[""]));
    }

    #[test]
    fn ten_thousand_similar_label_sets_do_not_collide() {
        let build = LabelHash::default();
        let hashes: HashSet<u64> =
            (0..10_000).map(|i| hash(&build, &[&format!("{i:064x}"), "", "team", "model-a"])).collect();
        assert_eq!(hashes.len(), 10_000);
    }
}
