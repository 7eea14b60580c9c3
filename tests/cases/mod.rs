mod cli_login;
mod flows;
mod sessions;
mod sign_in;
