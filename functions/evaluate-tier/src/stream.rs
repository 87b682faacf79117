//! The table's change stream: a member's profile changed, so maybe upgrade it now; an
//! outbox event was written, so publish it. Failures are reported per record.

use aws_lambda_events::event::dynamodb::EventRecord;
use loyalty::domain::event::DomainEvent;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::operation;
use loyalty::domain::referral::ReferralLink;
use loyalty::store::SnapshotRequest;
use loyalty::store::stream::{StreamChange, classify};
use loyalty::write::{Decision, execute};
use serde_json::{Value, json};

use crate::TierContext;
use crate::update_error::UpdateError;

pub async fn process(context: &TierContext, payload: Value) -> Value {
    let records = payload
        .get("Records")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut failures: Vec<String> = Vec::new();
    let mut to_publish: Vec<(String, DomainEvent)> = Vec::new();
    for raw in records {
        let sequence = raw["dynamodb"]["SequenceNumber"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let record: EventRecord = match serde_json::from_value(raw) {
            Ok(record) => record,
            Err(error) => {
                tracing::error!(sequence, %error, "stream record does not parse");
                failures.push(sequence);
                continue;
            }
        };
        if record.event_name == "REMOVE" {
            continue;
        }
        let new_image = Some(&record.change.new_image).filter(|image| !image.is_empty());
        let outcome = match classify(&record.change.keys, new_image) {
            Ok(StreamChange::Member(member)) => {
                upgrade(context, &member).await.map_err(|e| e.to_string())
            }
            Ok(StreamChange::Referral(link)) => reward_referrer(context, &link)
                .await
                .map_err(|e| e.to_string()),
            Ok(StreamChange::Event(event)) => {
                to_publish.push((sequence.clone(), *event));
                Ok(())
            }
            Ok(StreamChange::Other) => Ok(()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = outcome {
            tracing::error!(sequence, error, "stream record failed");
            failures.push(sequence);
        }
    }
    if !to_publish.is_empty() {
        let events: Vec<DomainEvent> = to_publish.iter().map(|(_, e)| e.clone()).collect();
        // Only the records of events not delivered are retried.
        for index in context.publisher.publish(&events).await {
            if let Some((sequence, _)) = to_publish.get(index) {
                tracing::error!(
                    sequence,
                    "an event was not published; its record will be retried"
                );
                failures.push(sequence.clone());
            }
        }
    }
    let failures: Vec<Value> = failures
        .into_iter()
        .map(|s| json!({"itemIdentifier": s}))
        .collect();
    json!({ "batchItemFailures": failures })
}

/// A member changed: upgrade it now if it has earned a higher tier.
async fn upgrade(context: &TierContext, member: &MemberId) -> Result<(), UpdateError> {
    // Boxed, like the daily run's: too deep a type to lay out otherwise.
    Box::pin(execute(
        &context.base,
        SnapshotRequest::member(member),
        |mut snapshot, now| {
            let Some(member) = snapshot.member.take() else {
                return Ok(Decision::Answer(()));
            };
            Ok(
                match operation::upgrade(member, &snapshot.program()?, now)? {
                    Some(change) => Decision::Commit(change, ()),
                    None => Decision::Answer(()),
                },
            )
        },
    ))
    .await
}

/// A referred member's purchase qualified, or was reversed: the referrer's part, once.
async fn reward_referrer(context: &TierContext, link: &ReferralLink) -> Result<(), UpdateError> {
    let read = SnapshotRequest {
        referred: Some(&link.referee),
        ..SnapshotRequest::member(&link.referrer)
    };
    Box::pin(execute(&context.base, read, |mut snapshot, now| {
        // A referrer no longer in the table has nothing to be given.
        let Some(referrer) = snapshot.member.take() else {
            return Ok(Decision::Answer(()));
        };
        let award = snapshot.referral_award.take();
        // The referred member was erased before its link came through: nothing is owed for
        // a member the table no longer knows (and its id must not be written again).
        if award.is_none() && !snapshot.referee_linked {
            return Ok(Decision::Answer(()));
        }
        let change = operation::reward_referrer(
            referrer,
            &snapshot.program()?,
            snapshot.referral_stats,
            award,
            link,
            now,
        )?;
        Ok(match change {
            Some(change) => Decision::Commit(change, ()),
            None => Decision::Answer(()),
        })
    }))
    .await
}
