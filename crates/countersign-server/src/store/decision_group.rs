//! PostgreSQL's decisions committed in groups: one task takes the
//! compare-and-sets waiting when it is free and applies them in one
//! transaction, each its own statement (`decision`), then commits once.
//!
//! Every session change announces itself with `pg_notify` in its
//! transaction, and PostgreSQL serialises the commits of notifying
//! transactions under one lock, held through the commit's WAL flush (so
//! that notifications queue in commit order). One change per transaction
//! made approvals wait for each other's flush: about 1 / fdatasync a
//! second, whatever the round trips. A group pays that flush once.
//!
//! What a group keeps: a decision is still a compare-and-set on the
//! session's version under its signer's `FOR SHARE` lock, with its audit
//! row and announcement, and a caller is answered only after the COMMIT
//! returned. Decisions in one group see the ones before them (one
//! transaction), so of two about one session the second loses. If any
//! statement of a group fails (a deadlock with a revocation holding its
//! device while waiting for a session the group changed, say), the group
//! is rolled back and each decision applied alone, so a decision fails
//! only for its own fault. One waiting alone is applied alone, as one
//! statement that commits itself.

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::StoreError;
use super::decision::{Decision, apply};
use super::passkeys::Counted;

/// The most decisions one group commits: enough that a group's commit is
/// a small share of its time, few enough that the first waits little.
const MAX_GROUP: usize = 64;
/// Decisions waiting for the task, beyond which callers wait to hand
/// theirs over.
const QUEUE: usize = 4096;

struct Job {
    decision: Decision,
    reply: oneshot::Sender<Result<Counted, StoreError>>,
}

/// The handle callers send their decisions through; clones share the task,
/// which ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Decisions {
    jobs: mpsc::Sender<Job>,
}

fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

impl Decisions {
    /// Starts the task, which takes its connections from `pool`.
    pub fn start(pool: AnyPool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, queue));
        Self { jobs }
    }

    /// Applies `decision` with the others waiting, once committed.
    pub async fn apply(&self, decision: Decision) -> Result<Counted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { decision, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// The task: takes the first decision waiting and every other one waiting
/// then, commits them together, answers each.
async fn run(pool: AnyPool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&pool, group).await;
    }
}

/// Applies `group` in one transaction and answers each decision; if that
/// fails, each decision alone.
async fn commit_group(pool: &AnyPool, group: Vec<Job>) {
    if let [job] = group.as_slice() {
        let outcome = alone(pool, &job.decision).await;
        answer(group, vec![outcome]);
        return;
    }
    match together(pool, &group).await {
        Ok(outcomes) => answer(group, outcomes.into_iter().map(Ok).collect()),
        Err(error) => {
            tracing::debug!(%error, decisions = group.len(), "a group failed; applying each alone");
            let mut outcomes = Vec::with_capacity(group.len());
            for job in &group {
                outcomes.push(alone(pool, &job.decision).await);
            }
            answer(group, outcomes);
        }
    }
}

/// One decision as one statement, its own transaction.
async fn alone(pool: &AnyPool, decision: &Decision) -> Result<Counted, StoreError> {
    let mut conn = pool.acquire().await?;
    apply(&mut conn, decision).await
}

/// Every decision of `group` in one transaction, committed once.
async fn together(pool: &AnyPool, group: &[Job]) -> Result<Vec<Counted>, StoreError> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        outcomes.push(apply(&mut tx, &job.decision).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

fn answer(group: Vec<Job>, outcomes: Vec<Result<Counted, StoreError>>) {
    for (job, outcome) in group.into_iter().zip(outcomes) {
        // A caller that stopped waiting (its client left) needs no answer.
        let _ = job.reply.send(outcome);
    }
}
