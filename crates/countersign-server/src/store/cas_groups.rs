//! PostgreSQL's compare-and-sets committed in groups: a few tasks each take
//! the compare-and-sets waiting when it is free and apply them in one
//! transaction, each its own statement (`cas_postgres`), then commit once.
//!
//! Every session change announces itself with `pg_notify` in its
//! transaction, and PostgreSQL serialises the commits of notifying
//! transactions under one lock, held through the commit's WAL flush (so
//! that notifications queue in commit order). One change per transaction
//! made approvals wait for each other's flush: about 1 / fdatasync a
//! second, whatever the round trips. A group pays that flush once.
//!
//! What a group keeps: a change is still a compare-and-set on the
//! session's version under its signer's `FOR SHARE` lock, with its audit
//! row and announcement, and a caller is answered only after the COMMIT
//! returned. Changes in one group see the ones before them (one
//! transaction), so of two about one session the second loses. If any
//! statement of a group fails (a deadlock with a revocation holding its
//! device while waiting for a session the group changed, say), the group
//! is rolled back and each change applied alone, so a change fails
//! only for its own fault. One waiting alone is applied alone, as one
//! statement that commits itself.
//!
//! Several tasks, so that one group's statements run while another's
//! commit waits for the flush, and a group waiting for a lock (a
//! revocation's on its device) does not hold up every other change. A
//! group is applied in the order of its sessions' uids (changes about
//! one session keep the order they came in), so two groups lock the rows
//! they share in the same order and do not deadlock over them.

use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::StoreError;
use super::cas::{Cas, Swap};
use super::cas_postgres::apply;

/// The most changes one group commits: enough that a group's commit is
/// a small share of its time, few enough that the first waits little.
const MAX_GROUP: usize = 64;
/// Changes waiting for a task, beyond which callers wait to hand theirs
/// over.
const QUEUE: usize = 4096;
/// The tasks applying groups: each holds one of the pool's connections
/// while it applies one.
const TASKS: usize = 4;

struct Job {
    cas: Cas,
    reply: oneshot::Sender<Result<Swap, StoreError>>,
}

/// The handle callers send their changes through; clones share the
/// tasks, which end when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Groups {
    jobs: mpsc::Sender<Job>,
}

fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

impl Groups {
    /// Starts the tasks, which take their connections from `pool`.
    pub fn start(pool: &AnyPool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..TASKS {
            tokio::spawn(run(pool.clone(), Arc::clone(&queue)));
        }
        Self { jobs }
    }

    /// Applies `cas` with the others waiting, once committed.
    pub async fn apply(&self, cas: Cas) -> Result<Swap, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { cas, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// A task: takes the first change waiting and every other one waiting
/// then, commits them together, answers each.
async fn run(pool: AnyPool, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let mut group = {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match queue.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            group
        };
        // Stable: changes about one session stay in the order they came.
        group.sort_by(|a, b| a.cas.session_uid().cmp(b.cas.session_uid()));
        commit_group(&pool, group).await;
    }
}

/// Applies `group` in one transaction and answers each change; if that
/// fails, each change alone.
async fn commit_group(pool: &AnyPool, group: Vec<Job>) {
    if let [job] = group.as_slice() {
        let outcome = alone(pool, &job.cas).await;
        answer(group, vec![outcome]);
        return;
    }
    match together(pool, &group).await {
        Ok(outcomes) => answer(group, outcomes.into_iter().map(Ok).collect()),
        Err(error) => {
            tracing::debug!(%error, changes = group.len(), "a group failed; applying each alone");
            let mut outcomes = Vec::with_capacity(group.len());
            for job in &group {
                outcomes.push(alone(pool, &job.cas).await);
            }
            answer(group, outcomes);
        }
    }
}

/// One change as one statement, its own transaction.
async fn alone(pool: &AnyPool, cas: &Cas) -> Result<Swap, StoreError> {
    let mut conn = pool.acquire().await?;
    apply(&mut conn, cas).await
}

/// Every change of `group` in one transaction, committed once.
///
/// The signers' rows are locked `FOR SHARE` first, in one statement and in
/// the order of their uids: a revocation locks its device and then the
/// sessions it approved, so a group that held a session while waiting for
/// that device would deadlock with it; locked first, the group waits for
/// the revocation (and then sees it) before it holds any session, or the
/// revocation waits for the group.
async fn together(pool: &AnyPool, group: &[Job]) -> Result<Vec<Swap>, StoreError> {
    let mut signers: Vec<&str> = group.iter().filter_map(|job| job.cas.signer()).collect();
    signers.sort_unstable();
    signers.dedup();
    let mut tx = pool.begin().await?;
    if !signers.is_empty() {
        // Uids hold no commas; the Any driver binds no arrays.
        sqlx::query(
            "SELECT uid FROM devices WHERE uid = ANY(string_to_array($1, ',')) \
             ORDER BY uid FOR SHARE",
        )
        .bind(signers.join(","))
        .fetch_all(&mut *tx)
        .await?;
    }
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        outcomes.push(apply(&mut tx, &job.cas).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

fn answer(group: Vec<Job>, outcomes: Vec<Result<Swap, StoreError>>) {
    for (job, outcome) in group.into_iter().zip(outcomes) {
        // A caller that stopped waiting (its client left) needs no answer.
        let _ = job.reply.send(outcome);
    }
}
