//! The `ul-auth` commands. Only this layer prints, prompts and picks exit codes.
//!
//! Imports go one way: `run` → `doctor` / `commands` (the one command set) → the providers'
//! files (`unleash_live`, `token_providers` and `unith`, `unleash`, `unleashx`) → the command
//! modules only Unleash Live has → `provider` (the trait), `ctx`, `out`, `hints`, `prompt`,
//! `args` → `subargs`, `secrets`. No two modules import each other.

mod analytics;
mod analytics_summary;
pub mod args;
mod commands;
mod credentials;
mod ctx;
mod devices;
mod doctor;
mod exec;
pub mod exposed;
pub mod hints;
pub mod hot;
mod login;
mod out;
mod password;
mod pat;
mod prompt;
mod provider;
mod run;
pub mod secrets;
mod setting_args;
mod subargs;
mod times;
mod token_providers;
mod unith;
mod unleash;
mod unleash_live;
mod unleashx;
mod verify;

pub use run::run;
