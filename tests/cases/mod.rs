mod cli_login;
mod flows;
mod sign_in;
