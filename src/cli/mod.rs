//! The `ul-auth` commands. Only this layer prints, prompts and picks exit codes.

pub mod args;
mod commands;
mod prompt;

pub use commands::run;
