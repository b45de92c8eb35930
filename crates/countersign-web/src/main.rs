//! Starts the countersign approval web app.

fn main() {
    countersign_web::start();
}
