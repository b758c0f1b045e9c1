//! Links the `huaxiang` binary as a position-dependent executable.
//!
//! A position-independent executable of this size carries over 300 000
//! relative relocations that the loader applies at every start, touching
//! megabytes of pages before `main`; each `ingest` of a file is one process,
//! so that cost was paid per file. The code is still compiled as PIC; only the
//! final link of the binaries drops PIE.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
