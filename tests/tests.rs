//! Integration tests: one binary, so the 2-core CI links once. `cases/` holds them by feature,
//! `util/` the shared fixtures. `./scripts/test` starts the moto server they talk to; without
//! it, the tests that need it skip with one line each (see `util/emulator.rs`).

mod cases;
mod util;
