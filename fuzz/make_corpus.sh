#!/usr/bin/env bash
# Writes the seed corpora of every fuzz target into fuzz/corpus/<target>/
# (git-ignored), built with the library's own writers by fuzz/corpus-gen.
# Run from anywhere; safe to rerun (seeds are overwritten, findings kept).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR=fuzz/target/corpus-gen \
    cargo run --quiet --release --manifest-path fuzz/corpus-gen/Cargo.toml -- fuzz/corpus
