//! The ceiling: a bare axum server's `GET /` rate under the same load as
//! the status reads, to compare the service's figures against.

use crate::calls::REQUEST_LIMIT;
use crate::load::{Step, timed};
use crate::options::Options;
use crate::{progress, server};

/// The bare axum server's GET / rate, measured like status reads.
pub async fn ceiling(options: &Options) -> Result<f64, String> {
    progress("ceiling", "starting the bare axum server");
    let bare = server::start_bare().await?;
    let measured = timed(
        bare.addr(),
        options.concurrency,
        options.duration,
        |mut conn, _, _| async move {
            conn.request("GET", "/", b"", REQUEST_LIMIT)
                .await?
                .expect_status(200, "GET / on the bare server")?;
            Ok(Step::Done(conn))
        },
    )
    .await;
    bare.stop().await;
    let rate = measured?.per_second();
    progress("ceiling", format_args!("GET / {rate:.0}/s"));
    Ok(rate)
}
