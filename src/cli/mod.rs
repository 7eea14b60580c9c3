//! The `ul-auth` commands. Only this layer prints, prompts and picks exit codes.

pub mod args;
mod commands;
mod login;
mod prompt;

pub use commands::run;
