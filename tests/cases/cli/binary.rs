//! How `ul-auth` is linked (build.rs): position-independent unless built with
//! `UL_AUTH_NO_PIE=1`, and with packed relative relocations (DT_RELR) where the build
//! machine's glibc has them, so the start-up cost goes down without losing address
//! randomisation.

// x86_64 only: the ELF reading below is of 64-bit little-endian files, and there rustc links
// with its own lld, which knows `-z pack-relative-relocs` (an older GNU ld ignores it).
#![cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]

const ET_DYN: u16 = 3;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_RELR: u64 = 36;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The ELF type and the tags of the dynamic section of a 64-bit little-endian executable.
fn elf(path: &str) -> (u16, Vec<u64>) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(
        &b[..6],
        b"\x7fELF\x02\x01",
        "{path}: not a 64-bit little-endian ELF file"
    );
    let (phoff, phentsize, phnum) = (
        u64_at(&b, 0x20) as usize,
        u16_at(&b, 0x36),
        u16_at(&b, 0x38),
    );
    let mut tags = Vec::new();
    for i in 0..usize::from(phnum) {
        let ph = phoff + i * usize::from(phentsize);
        if u32_at(&b, ph) != PT_DYNAMIC {
            continue;
        }
        let (offset, size) = (u64_at(&b, ph + 8) as usize, u64_at(&b, ph + 32) as usize);
        for entry in (offset..offset + size).step_by(16) {
            match u64_at(&b, entry) {
                DT_NULL => break,
                tag => tags.push(tag),
            }
        }
    }
    (u16_at(&b, 0x10), tags)
}

fn glibc_at_least_2_36() -> bool {
    let out = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut parts = text.trim().trim_start_matches("glibc ").split('.');
    let mut next = || {
        parts
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    (next(), next()) >= (2, 36)
}

#[test]
fn ul_auth_keeps_address_randomisation_and_packs_its_relocations() {
    let (kind, tags) = elf(env!("CARGO_BIN_EXE_ul-auth"));
    if option_env!("UL_AUTH_NO_PIE") == Some("1") {
        assert_ne!(
            kind, ET_DYN,
            "UL_AUTH_NO_PIE=1 should link a position-dependent ul-auth"
        );
    } else {
        assert_eq!(kind, ET_DYN, "ul-auth is not position-independent");
    }
    let want_relr = option_env!("UL_AUTH_NO_RELR").is_none() && glibc_at_least_2_36();
    assert_eq!(
        tags.contains(&DT_RELR),
        want_relr,
        "DT_RELR in ul-auth's dynamic section"
    );
    // The samples get the packed relocations too, and stay position-independent.
    let (kind, tags) = elf(env!("CARGO_BIN_EXE_flights"));
    assert_eq!((kind, tags.contains(&DT_RELR)), (ET_DYN, want_relr));
}
