//! The `ul-auth` binary end to end: login and settings, secrets kept off the command line,
//! status and exec.

mod binary;
mod login;
mod secrets;
mod status_and_exec;
