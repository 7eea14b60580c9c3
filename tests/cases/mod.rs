mod analytics;
mod auth;
mod challenges;
mod cli;
mod client;
mod devices;
mod doctor;
mod error_causes;
mod flights;
mod graphql_literals;
#[cfg(feature = "upload")]
mod identity;
#[cfg(feature = "keyring")]
mod keychain;
mod layers;
mod media_drive;
mod passwords;
mod providers;
mod refresh;
mod sign_in;
mod sign_out;
mod store;
mod tasks;
mod transport;
mod verify;
