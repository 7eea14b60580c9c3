//! Integration tests: one binary, so the 2-core CI links once.
//! Run through `./scripts/test`, which starts the moto server they talk to.

mod cases;
mod util;
