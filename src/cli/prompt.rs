//! Reading credentials and answers from flags, the environment, stdin or a terminal.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use unleashlive_auth::{Error, Password};

/// Whether a person can be asked: stdin and stderr are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn not_given(message: impl Into<String>) -> anyhow::Error {
    Error::NotAuthorized {
        message: message.into(),
    }
    .into()
}

/// Lines of standard input, read one at a time as flags ask for them.
#[derive(Default)]
pub struct Stdin;

impl Stdin {
    /// The next line as a secret (trailing newline removed; empty is refused).
    pub fn secret_line(&mut self, what: &str) -> Result<Password> {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .with_context(|| format!("reading {what} from standard input"))?;
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed.is_empty() {
            return Err(not_given(format!("standard input held no line for {what}")));
        }
        Ok(Password::new(trimmed))
    }

    /// `given` itself, or when it is `-` the next line (surrounding whitespace removed): how
    /// a secret flag takes its value without putting it in the process list.
    pub fn unless_dash(&mut self, given: &str, what: &str) -> Result<zeroize::Zeroizing<String>> {
        if given != "-" {
            return Ok(zeroize::Zeroizing::new(given.to_owned()));
        }
        let line = self.secret_line(what)?;
        Ok(zeroize::Zeroizing::new(line.secret().trim().to_owned()))
    }
}

pub fn username(given: Option<String>) -> Result<String> {
    if let Some(u) = given.filter(|u| !u.trim().is_empty()) {
        return Ok(u.trim().to_owned());
    }
    if !interactive() {
        return Err(not_given("no username: pass --username or set UL_USERNAME"));
    }
    let line = visible("Username (e-mail): ")?;
    if line.is_empty() {
        return Err(not_given("no username given"));
    }
    Ok(line)
}

/// The password from the first line of stdin, UL_PASSWORD, or a hidden prompt.
pub fn password(from_stdin: bool, stdin: &mut Stdin) -> Result<Password> {
    if from_stdin {
        return stdin.secret_line("the password");
    }
    if let Ok(p) = std::env::var(super::secrets::PASSWORD)
        && !p.is_empty()
    {
        return Ok(Password::new(p));
    }
    if !interactive() {
        return Err(not_given(
            "no password: set UL_PASSWORD, pass --password-stdin, or run on a terminal to be prompted",
        ));
    }
    hidden("Password: ")
}

fn hidden(prompt: &str) -> Result<Password> {
    let p =
        zeroize::Zeroizing::new(rpassword::prompt_password(prompt).context("reading a password")?);
    if p.is_empty() {
        return Err(not_given("no password given"));
    }
    Ok(Password::new(p.as_str()))
}

/// A new password, typed twice; three tries at typing it the same.
pub fn new_password() -> Result<Password> {
    for _ in 0..3 {
        let first = hidden("New password: ")?;
        let second = hidden("Repeat the new password: ")?;
        if first == second {
            return Ok(first);
        }
        eprintln!("The two passwords differ; try again.");
    }
    bail!(not_given("the new password was not typed the same twice"))
}

/// A visible answer (codes, names).
pub fn visible(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading an answer")?;
    if n == 0 {
        return Err(not_given(
            "standard input closed before an answer was given",
        ));
    }
    Ok(line.trim().to_owned())
}

/// Picks one of `options` by number.
pub fn choose(title: &str, options: &[&str]) -> Result<usize> {
    eprintln!("{title}:");
    for (i, option) in options.iter().enumerate() {
        eprintln!("  {}. {option}", i + 1);
    }
    for _ in 0..3 {
        let answer = visible("Number: ")?;
        if let Ok(n) = answer.parse::<usize>()
            && (1..=options.len()).contains(&n)
        {
            return Ok(n - 1);
        }
        eprintln!("Type a number from 1 to {}.", options.len());
    }
    bail!(not_given("no choice made"))
}

/// A secret from the first line of standard input (`--...-stdin`), a variable, or a hidden
/// prompt on a terminal; an authentication error naming all three when none is available.
pub fn secret_input(
    from_stdin: bool,
    variable: &str,
    flag: &str,
    prompt_text: &str,
    what: &str,
) -> Result<zeroize::Zeroizing<String>> {
    if from_stdin {
        let line = Stdin.secret_line(what)?;
        return Ok(zeroize::Zeroizing::new(line.secret().trim().to_owned()));
    }
    if let Ok(value) = std::env::var(variable)
        && !value.trim().is_empty()
    {
        return Ok(zeroize::Zeroizing::new(value.trim().to_owned()));
    }
    if interactive() {
        let typed = zeroize::Zeroizing::new(rpassword::prompt_password(prompt_text)?);
        if !typed.trim().is_empty() {
            return Ok(zeroize::Zeroizing::new(typed.trim().to_owned()));
        }
    }
    Err(Error::NotAuthorized {
        message: format!("no {what}: set {variable}, or pass it on standard input with {flag}"),
    }
    .into())
}

/// A visible value from a flag or variable, else a prompt on a terminal.
pub fn visible_input(given: Option<String>, hint: &str, prompt_text: &str) -> Result<String> {
    if let Some(value) = given.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        return Ok(value);
    }
    if interactive() {
        let typed = visible(prompt_text)?;
        if !typed.is_empty() {
            return Ok(typed);
        }
    }
    Err(Error::NotAuthorized {
        message: format!("not given: {hint}"),
    }
    .into())
}
