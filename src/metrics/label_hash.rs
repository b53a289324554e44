//! The hash that finds a request's series: foldhash, a multiply-fold hash with a
//! per-process random seed, a tenth of SipHash's instructions for a label set of a key
//! hash, an alias and a few model names (SipHash took 1,500 of the 2,000 instructions a
//! request spent on metrics). SipHash's guarantee is not needed here: the labels are
//! names the admins chose (keys, teams, users, served models; an unserved model is
//! `other`), the number of series is capped, and the seed still keeps bucket placement
//! unpredictable. [`PassThrough`] then keys the map by that hash without hashing it again.

use std::hash::{BuildHasher, Hasher};

/// The hash of a label set, seeded at random once per process.
pub type LabelHash = foldhash::fast::RandomState;

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
