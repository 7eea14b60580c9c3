//! Link options for the binaries (not the library, whose users link it their own way).
//!
//! On Linux with glibc 2.36 or later, the binaries are linked with packed relative relocations
//! (`-z pack-relative-relocs`, DT_RELR): a position-independent executable keeps its address
//! randomisation, but the ~68,000 pointer fix-ups the loader applies at every start are read
//! from a few kilobytes of bitmaps instead of 1.6 MB of `Elf64_Rela` entries. That was a third
//! of `ul-auth token`'s instructions (issue 20's cold start). The loader of an older glibc
//! would not apply them, so the option is used only when the build machine's glibc (the one
//! the binary is linked against) is new enough; the binary then names the glibc feature it
//! needs (GLIBC_ABI_DT_RELR), and a too-old system refuses to start it with a clear message
//! rather than running it wrongly. `UL_AUTH_NO_RELR=1` at build time turns it off.
//!
//! `UL_AUTH_NO_PIE=1` at build time links `ul-auth` as a position-dependent executable instead:
//! no pointer fix-ups at start at all (a cached `ul-auth token` then costs ~30 % less CPU),
//! but the program's own code and data are then at the same addresses in every run, which
//! makes a memory-safety bug in a C dependency (aws-lc) easier to exploit. For a build whose
//! users call `ul-auth token` in a tight loop; the default keeps address randomisation.

use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=UL_AUTH_NO_RELR");
    println!("cargo:rerun-if-env-changed=UL_AUTH_NO_PIE");
    let var = |name: &str| env::var(name).unwrap_or_default();
    let native = var("TARGET") == var("HOST");
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" || !native {
        return;
    }
    if env::var_os("UL_AUTH_NO_PIE").is_some_and(|v| v == "1") {
        println!("cargo:rustc-link-arg-bin=ul-auth=-no-pie");
    }
    if env::var_os("UL_AUTH_NO_RELR").is_none()
        && glibc_version().is_some_and(|version| version >= (2, 36))
    {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// The build machine's glibc version, from `getconf GNU_LIBC_VERSION` ("glibc 2.36").
fn glibc_version() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}
