//! The `ul-auth` commands. Only this layer prints, prompts and picks exit codes.

mod analytics;
pub mod args;
mod commands;
mod credentials;
mod devices;
mod doctor;
mod exec;
pub mod hints;
mod login;
mod password;
mod pat;
mod prompt;
mod provider;
pub mod secrets;
mod unith;
mod unleash;
mod unleashx;
mod verify;

pub use commands::run;
