//! The `ul-auth` commands. Only this layer prints, prompts and picks exit codes.

pub mod args;
mod commands;
mod credentials;
mod devices;
mod login;
mod password;
mod prompt;
mod verify;

pub use commands::run;
