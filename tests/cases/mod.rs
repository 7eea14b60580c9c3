mod cli_login;
mod flows;
mod real_pools;
mod sessions;
mod sign_in;
