mod cli_login;
mod sign_in;
