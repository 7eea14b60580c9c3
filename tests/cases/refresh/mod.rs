//! Refreshing sessions: single-flight renewal, rotation, and the fallback flow.

mod fallback;
mod rotation;
mod single_flight;
