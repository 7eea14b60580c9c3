//! The other token systems (UNITH, Unleash, UnleashX), in the library and in `ul-auth`, each
//! service played by wiremock checking the method, path, headers and body of `PROVIDERS.md`.

mod cli_fixtures;
mod cli_safety;
mod cli_unith;
mod cli_unleash;
mod cli_unleashx;
mod fixtures;
mod unith;
mod unith_keys;
mod unleash;
