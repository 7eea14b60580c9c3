mod cli_login;
mod devices;
mod flows;
mod identity;
mod real_pools;
mod sessions;
mod sign_in;
