//! Jobs, tasks and missions: the library's clients and the `tasks` sample.

mod library;
mod sample;
