//! `cargo xtask run`: build the service and run it on the embedded SQLite
//! default under `.data/`, serving the web app built into `dist/`, with a
//! demo user's enrollment link on first start.

use std::process::Command;

use crate::cmd;

pub fn run(addr: &str) -> Result<(), String> {
    crate::web::build(false)?;
    crate::js::build(false)?;
    let web_dir = crate::js::stage()?;
    cmd::run(cmd::cargo().args(["build", "--package", "countersign-server"]))?;
    let root = cmd::root();
    let server = root.join("target/debug/countersign-server");
    let data = root.join(".data");
    let public_url = format!("http://{addr}");
    if !data.join("countersign.sqlite3").exists() {
        println!("First start: adding the user `demo`.");
        cmd::run(
            Command::new(&server)
                .args(["admin", "user", "add", "demo", "--data-dir"])
                .arg(&data)
                .args(["--public-url", &public_url]),
        )?;
    }
    println!("The JavaScript example (www/) is at {public_url}/example.html");
    cmd::run(
        Command::new(&server)
            .args(["serve", "--addr", addr, "--data-dir"])
            .arg(&data)
            .arg("--web-dir")
            .arg(&web_dir)
            .args(["--public-url", &public_url]),
    )
}
