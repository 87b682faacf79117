//! Real records from the table's DynamoDB stream on DynamoDB Local, in the JSON shape AWS
//! Lambda delivers them to a function (`aws_lambda_events::event::dynamodb::Event`), so tests
//! can drive stream-triggered functions with what the table really emitted.
//!
//! How DynamoDB Local (3.3) behaves, which this reader relies on or works around:
//! - a table's stream has one open shard; a write's record is readable as soon as the write
//!   has returned (a few milliseconds); GetRecords on an open shard always returns a
//!   `NextShardIterator`, also when it returns no records, and an iterator can be read again
//!   (it is a position, not a cursor). Deleting the table closes the shard: GetRecords then
//!   returns no `NextShardIterator`;
//! - sequence numbers come from one counter shared by every table of the (shared) database,
//!   and an iterator holds a sequence number. An iterator taken on a shard with no record
//!   yet (`LATEST` or `TRIM_HORIZON`, and the `NextShardIterator`s that follow it) holds the
//!   counter's value at that time; if other tables are written before this table's first
//!   record, that record's number is higher and GetRecords fails with
//!   `TrimmedDataAccessException`. The reader then reads the shard from `TRIM_HORIZON`
//!   again: every record in it is newer than the reader's position. On a shard with
//!   records, `LATEST` works as in AWS;
//! - a write that changes nothing (putting an item identical to the stored one) emits no
//!   record, as in AWS;
//! - `ApproximateCreationDateTime` is whole seconds, rounded down to the minute, and
//!   `awsRegion` and the ARN's region are `ddblocal`, whatever the client's region;
//! - shards that appear after the reader started (AWS rolls shards over every few hours; a
//!   test does not live that long on DynamoDB Local) are read from `TRIM_HORIZON`, after
//!   their parents; expired iterators (15 minutes in AWS) are renewed after the last sequence
//!   number read.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aws_sdk_dynamodbstreams::Client as StreamsClient;
use aws_sdk_dynamodbstreams::error::DisplayErrorContext;
use aws_sdk_dynamodbstreams::operation::describe_stream::DescribeStreamError;
use aws_sdk_dynamodbstreams::operation::get_records::GetRecordsError;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine;
use serde_json::{Map, Value, json};

/// How long the stream must stay quiet before [`StreamReader::next_event`] returns.
const QUIET: Duration = Duration::from_millis(300);
/// The longest [`StreamReader::next_event`] polls in total.
const MAX_WAIT: Duration = Duration::from_secs(5);
/// The pause between two polls of every shard.
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// Reads a table's stream from DynamoDB Local, from the moment it was started.
pub struct StreamReader {
    client: StreamsClient,
    stream_arn: String,
    /// Shards in the order they were first seen (parents before children).
    shards: Vec<Shard>,
    /// Every shard id seen, open or closed, so that a closed shard is not read again.
    known: BTreeSet<String>,
    /// Whether to look for new shards before the next read: at each call, and after a shard
    /// closed.
    discover: bool,
}

struct Shard {
    id: String,
    /// `None` once the shard is closed and read to its end.
    iterator: Option<String>,
    /// The last sequence number read: to resume after an expired iterator, and to skip
    /// records read already when the shard is read again from `TRIM_HORIZON`.
    last_sequence: Option<String>,
}

impl StreamReader {
    /// Positions at the current end of every shard of `table`'s stream (`LATEST`): only
    /// records written after this call are returned. Uses DynamoDB Streams at the endpoint
    /// `DYNAMODB_ENDPOINT`, with the credentials of the default chain (as
    /// [`crate::local_client`]: the environment under `make test`) and `client`'s region,
    /// timeouts and HTTP client.
    pub async fn start(client: &aws_sdk_dynamodb::Client, table: &str) -> StreamReader {
        let described = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe table {table}: {}", DisplayErrorContext(e)));
        let stream_arn = described
            .table()
            .and_then(|t| t.latest_stream_arn())
            .unwrap_or_else(|| panic!("table {table} has no stream"))
            .to_string();
        let mut reader = StreamReader {
            client: streams_client(client).await,
            stream_arn,
            shards: Vec::new(),
            known: BTreeSet::new(),
            discover: false,
        };
        for (id, open) in reader.describe_shards().await {
            reader.known.insert(id.clone());
            if open {
                let iterator = reader.iterator(&id, ShardIteratorType::Latest, None).await;
                reader.shards.push(Shard {
                    id,
                    iterator: Some(iterator),
                    last_sequence: None,
                });
            }
        }
        reader
    }

    /// The ARN of the stream, as Lambda puts it in `eventSourceARN`.
    pub fn stream_arn(&self) -> &str {
        &self.stream_arn
    }

    /// Every record written since the last call (or since [`StreamReader::start`]), in
    /// sequence order per shard, shards in the order they were opened, as one Lambda DynamoDB
    /// stream event. Polls until no new record arrives for 300 ms (5 s at most in total), so
    /// it returns an event with an empty `Records` array after 300 ms when nothing happened.
    pub async fn next_event(&mut self) -> Value {
        let records: Vec<Value> = self.poll().await.into_iter().flatten().collect();
        json!({ "Records": records })
    }

    /// The same records as [`StreamReader::next_event`], split into events of at most
    /// `batch_size` records as Lambda batches them: in order, and never mixing shards in one
    /// event. No event at all when nothing happened.
    pub async fn next_events(&mut self, batch_size: usize) -> Vec<Value> {
        assert!(batch_size > 0, "batch_size must be at least 1");
        self.poll()
            .await
            .into_iter()
            .flat_map(|records| {
                records
                    .chunks(batch_size)
                    .map(|chunk| json!({ "Records": chunk }))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Polls every shard until the stream has been quiet for [`QUIET`]; the records read,
    /// converted to Lambda's JSON, grouped by shard.
    async fn poll(&mut self) -> Vec<Vec<Value>> {
        let started = Instant::now();
        let mut last_new = started;
        self.discover = true;
        let mut by_shard: Vec<(String, Vec<Value>)> = Vec::new();
        loop {
            let mut got_any = false;
            for (shard, records) in self.read_all_shards().await {
                if records.is_empty() {
                    continue;
                }
                got_any = true;
                let converted = records.iter().map(|r| self.to_lambda_record(r));
                match by_shard.iter_mut().find(|(id, _)| *id == shard) {
                    Some((_, existing)) => existing.extend(converted),
                    None => by_shard.push((shard, converted.collect())),
                }
            }
            let now = Instant::now();
            if got_any {
                last_new = now;
            }
            if now.duration_since(last_new) >= QUIET || now.duration_since(started) >= MAX_WAIT {
                return by_shard.into_iter().map(|(_, records)| records).collect();
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Reads each shard to its current end once, after picking up new shards when there may
    /// be some.
    async fn read_all_shards(&mut self) -> Vec<(String, Vec<Record>)> {
        if self.discover {
            self.discover_new_shards().await;
            self.discover = false;
        }
        let mut out = Vec::new();
        for index in 0..self.shards.len() {
            let records = self.read_shard(index).await;
            out.push((self.shards[index].id.clone(), records));
        }
        // Closed shards read to their end are done with; their children may be there.
        let open = self.shards.len();
        self.shards.retain(|s| s.iterator.is_some());
        self.discover = self.shards.len() < open;
        out
    }

    /// Adds shards that appeared since the reader started (after a shard closed); they
    /// hold only records written after it started, so they are read from the beginning.
    async fn discover_new_shards(&mut self) {
        for (id, _open) in self.describe_shards().await {
            if self.known.insert(id.clone()) {
                let iterator = self
                    .iterator(&id, ShardIteratorType::TrimHorizon, None)
                    .await;
                self.shards.push(Shard {
                    id,
                    iterator: Some(iterator),
                    last_sequence: None,
                });
            }
        }
    }

    /// GetRecords on one shard until it returns no more records.
    async fn read_shard(&mut self, index: usize) -> Vec<Record> {
        let mut records = Vec::new();
        while let Some(iterator) = self.shards[index].iterator.clone() {
            let page = match self
                .client
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    let id = self.shards[index].id.clone();
                    let fresh = match e.as_service_error() {
                        // The iterator points before the shard's oldest record. On DynamoDB
                        // Local this is what an iterator taken while the shard was still
                        // empty does once its first record is written (see the module's
                        // documentation): every record in the shard is new, so read them
                        // all. (Records already read are skipped below.)
                        Some(GetRecordsError::TrimmedDataAccessException(_)) => {
                            self.iterator(&id, ShardIteratorType::TrimHorizon, None)
                                .await
                        }
                        Some(GetRecordsError::ExpiredIteratorException(_)) => {
                            match self.shards[index].last_sequence.clone() {
                                Some(seq) => {
                                    self.iterator(
                                        &id,
                                        ShardIteratorType::AfterSequenceNumber,
                                        Some(&seq),
                                    )
                                    .await
                                }
                                // Nothing read in the 15 minutes an iterator lives: records
                                // written meanwhile and not yet read could be skipped here,
                                // but no test waits that long between a write and a read.
                                None => self.iterator(&id, ShardIteratorType::Latest, None).await,
                            }
                        }
                        _ => panic!(
                            "GetRecords on shard {id} of {}: {}",
                            self.stream_arn,
                            DisplayErrorContext(e)
                        ),
                    };
                    self.shards[index].iterator = Some(fresh);
                    continue;
                }
            };
            let shard = &mut self.shards[index];
            shard.iterator = page.next_shard_iterator;
            let batch = page.records.unwrap_or_default();
            if batch.is_empty() {
                break;
            }
            for record in batch {
                let Some(seq) = record.dynamodb().and_then(|d| d.sequence_number()) else {
                    panic!("stream record without a sequence number: {record:?}");
                };
                if shard
                    .last_sequence
                    .as_deref()
                    .is_some_and(|last| sequence_order(seq) <= sequence_order(last))
                {
                    continue;
                }
                shard.last_sequence = Some(seq.to_string());
                records.push(record);
            }
        }
        records
    }

    /// Every shard of the stream, with whether it is still open.
    async fn describe_shards(&self) -> Vec<(String, bool)> {
        let mut shards = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let described = match self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .await
            {
                Ok(described) => described,
                // The table (and its stream) was deleted: no shard will appear any more.
                Err(e)
                    if matches!(
                        e.as_service_error(),
                        Some(DescribeStreamError::ResourceNotFoundException(_))
                    ) =>
                {
                    return shards;
                }
                Err(e) => panic!(
                    "DescribeStream {}: {}",
                    self.stream_arn,
                    DisplayErrorContext(e)
                ),
            };
            let description = described.stream_description;
            for shard in description.as_ref().map(|d| d.shards()).unwrap_or_default() {
                let Some(id) = shard.shard_id() else { continue };
                let open = shard
                    .sequence_number_range()
                    .is_none_or(|r| r.ending_sequence_number().is_none());
                shards.push((id.to_string(), open));
            }
            start = description.and_then(|d| d.last_evaluated_shard_id);
            if start.is_none() {
                return shards;
            }
        }
    }

    async fn iterator(
        &self,
        shard: &str,
        kind: ShardIteratorType,
        sequence_number: Option<&str>,
    ) -> String {
        self.client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard)
            .shard_iterator_type(kind.clone())
            .set_sequence_number(sequence_number.map(str::to_string))
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "GetShardIterator {kind:?} on shard {shard} of {}: {}",
                    self.stream_arn,
                    DisplayErrorContext(e)
                )
            })
            .shard_iterator
            .unwrap_or_else(|| panic!("GetShardIterator {kind:?} on shard {shard}: no iterator"))
    }

    /// One GetRecords record as Lambda delivers it.
    fn to_lambda_record(&self, record: &Record) -> Value {
        let mut out = Map::new();
        out.insert("eventID".into(), json!(record.event_id()));
        out.insert(
            "eventName".into(),
            json!(record.event_name().map(|n| n.as_str())),
        );
        out.insert(
            "eventVersion".into(),
            json!(record.event_version().unwrap_or("1.1")),
        );
        out.insert(
            "eventSource".into(),
            json!(record.event_source().unwrap_or("aws:dynamodb")),
        );
        out.insert("awsRegion".into(), json!(record.aws_region()));
        out.insert("eventSourceARN".into(), json!(self.stream_arn));
        if let Some(identity) = record.user_identity() {
            out.insert(
                "userIdentity".into(),
                json!({"type": identity.r#type(), "principalId": identity.principal_id()}),
            );
        }
        let change = record
            .dynamodb()
            .unwrap_or_else(|| panic!("stream record {:?} has no dynamodb field", record));
        let mut dynamodb = Map::new();
        if let Some(at) = change.approximate_creation_date_time() {
            dynamodb.insert("ApproximateCreationDateTime".into(), json!(at.secs()));
        }
        for (name, image) in [
            ("Keys", change.keys.as_ref()),
            ("NewImage", change.new_image.as_ref()),
            ("OldImage", change.old_image.as_ref()),
        ] {
            if let Some(image) = image {
                dynamodb.insert(name.into(), to_dynamodb_json(image));
            }
        }
        dynamodb.insert("SequenceNumber".into(), json!(change.sequence_number()));
        dynamodb.insert("SizeBytes".into(), json!(change.size_bytes()));
        dynamodb.insert(
            "StreamViewType".into(),
            json!(change.stream_view_type().map(|v| v.as_str())),
        );
        out.insert("dynamodb".into(), Value::Object(dynamodb));
        Value::Object(out)
    }
}

/// A DynamoDB Streams client for the endpoint `DYNAMODB_ENDPOINT`, with the credentials
/// `crate::local_client` gets (the default chain: the environment under `make test`), and
/// `client`'s region, timeouts and HTTP client.
async fn streams_client(client: &aws_sdk_dynamodb::Client) -> StreamsClient {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect(
        "DYNAMODB_ENDPOINT is not set: run the tests with `make test`, which starts DynamoDB Local",
    );
    let source = client.config();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(source.region().cloned());
    if let Some(timeouts) = source.timeout_config() {
        loader = loader.timeout_config(timeouts.clone());
    }
    if let Some(http) = source.http_client() {
        loader = loader.http_client(http);
    }
    StreamsClient::new(&loader.load().await)
}

/// Sequence numbers are decimal strings (21 to 40 digits in AWS): shorter is smaller.
fn sequence_order(sequence_number: &str) -> (usize, &str) {
    (sequence_number.len(), sequence_number)
}

/// One stream image (or key) in DynamoDB JSON: `{"name": {"S": "x"}, "n": {"N": "1"}, ...}`.
pub fn to_dynamodb_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(name, value)| (name.clone(), attribute_json(value)))
            .collect(),
    )
}

fn attribute_json(value: &AttributeValue) -> Value {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::M(m) => json!({ "M": to_dynamodb_json(m) }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(attribute_json).collect::<Vec<_>>() }),
        AttributeValue::Ss(ss) => json!({ "SS": ss }),
        AttributeValue::Ns(ns) => json!({ "NS": ns }),
        AttributeValue::B(b) => json!({ "B": b64(b.as_ref()) }),
        AttributeValue::Bs(bs) => {
            json!({ "BS": bs.iter().map(|b| b64(b.as_ref())).collect::<Vec<_>>() })
        }
        other => panic!("stream attribute value of a type this SDK does not know: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::dynamodb::Event;
    use aws_sdk_dynamodb::types::AttributeValue as Av;

    fn key(pk: &str) -> HashMap<String, Av> {
        HashMap::from([
            ("PK".to_string(), Av::S(pk.into())),
            ("SK".to_string(), Av::S("PROFILE".into())),
        ])
    }

    #[tokio::test]
    async fn put_then_update_arrive_as_insert_then_modify() {
        let env = crate::TestEnv::without_program().await;
        // Written before the reader starts: not part of any event.
        env.client
            .put_item()
            .table_name(&env.table)
            .set_item(Some(key("MEMBER#before")))
            .send()
            .await
            .expect("put before");

        let mut reader = StreamReader::start(&env.client, &env.table).await;
        let mut item = key("MEMBER#m1");
        item.insert("points".into(), Av::N("10".into()));
        item.insert("active".into(), Av::Bool(true));
        item.insert("tags".into(), Av::Ss(vec!["a".into(), "b".into()]));
        item.insert("raw".into(), Av::B(vec![0, 1, 2, 255].into()));
        item.insert(
            "nested".into(),
            Av::M(HashMap::from([(
                "list".to_string(),
                Av::L(vec![Av::Null(true), Av::N("1.5".into())]),
            )])),
        );
        env.client
            .put_item()
            .table_name(&env.table)
            .set_item(Some(item))
            .send()
            .await
            .expect("put");
        env.client
            .update_item()
            .table_name(&env.table)
            .set_key(Some(key("MEMBER#m1")))
            .update_expression("SET points = points + :d")
            .expression_attribute_values(":d", Av::N("5".into()))
            .send()
            .await
            .expect("update");

        let value = reader.next_event().await;
        let event: Event = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("not a Lambda DynamoDB event: {e}\n{value:#}"));
        let names: Vec<&str> = event
            .records
            .iter()
            .map(|r| r.event_name.as_str())
            .collect();
        assert_eq!(names, ["INSERT", "MODIFY"], "{value:#}");

        let insert = &value["Records"][0];
        assert_eq!(insert["eventSource"], "aws:dynamodb");
        assert_eq!(insert["eventVersion"], "1.1");
        assert_eq!(insert["eventSourceARN"], reader.stream_arn());
        assert!(insert["dynamodb"]["ApproximateCreationDateTime"].is_u64());
        assert_eq!(insert["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
        assert_eq!(
            insert["dynamodb"]["Keys"],
            json!({"PK": {"S": "MEMBER#m1"}, "SK": {"S": "PROFILE"}})
        );
        let new_image = &insert["dynamodb"]["NewImage"];
        assert_eq!(new_image["points"], json!({"N": "10"}));
        assert_eq!(new_image["active"], json!({"BOOL": true}));
        assert_eq!(new_image["raw"], json!({"B": "AAEC/w=="}));
        assert_eq!(
            new_image["nested"],
            json!({"M": {"list": {"L": [{"NULL": true}, {"N": "1.5"}]}}})
        );
        assert!(insert["dynamodb"].get("OldImage").is_none(), "{insert:#}");

        let modify = &value["Records"][1];
        assert_eq!(modify["dynamodb"]["OldImage"]["points"], json!({"N": "10"}));
        assert_eq!(modify["dynamodb"]["NewImage"]["points"], json!({"N": "15"}));
        // Sequence numbers are decimal strings of varying length.
        let (first, second) = (
            insert["dynamodb"]["SequenceNumber"].as_str().unwrap_or(""),
            modify["dynamodb"]["SequenceNumber"].as_str().unwrap_or(""),
        );
        assert!(
            sequence_order(second) > sequence_order(first),
            "{first} then {second}"
        );
        // The typed event sees the same images.
        let typed = &event.records[1].change;
        assert_eq!(
            typed.new_image.get("points"),
            Some(&serde_dynamo::AttributeValue::N("15".into()))
        );
        assert_eq!(
            typed.new_image.get("raw"),
            Some(&serde_dynamo::AttributeValue::B(vec![0, 1, 2, 255]))
        );
        assert_eq!(
            typed.old_image.get("points"),
            Some(&serde_dynamo::AttributeValue::N("10".into()))
        );
        assert!(typed.approximate_creation_date_time.timestamp() > 1_700_000_000);

        // Nothing more happened.
        let quiet = reader.next_event().await;
        assert_eq!(quiet, json!({"Records": []}));

        // A delete is a REMOVE with only the old image.
        env.client
            .delete_item()
            .table_name(&env.table)
            .set_key(Some(key("MEMBER#m1")))
            .send()
            .await
            .expect("delete");
        let events = reader.next_events(10).await;
        assert_eq!(events.len(), 1);
        let remove = &events[0]["Records"][0];
        assert_eq!(remove["eventName"], "REMOVE");
        assert!(remove["dynamodb"].get("NewImage").is_none());
        assert_eq!(remove["dynamodb"]["OldImage"]["points"], json!({"N": "15"}));
    }

    /// The reader starts on a table with no record yet, and other tables are written before
    /// this one (DynamoDB Local's `TrimmedDataAccessException` case).
    #[tokio::test]
    async fn first_record_after_other_tables_writes() {
        let env = crate::TestEnv::without_program().await;
        let other = crate::TestEnv::without_program().await;
        let mut reader = StreamReader::start(&env.client, &env.table).await;
        assert_eq!(reader.next_event().await, json!({"Records": []}));
        for i in 0..3 {
            other
                .client
                .put_item()
                .table_name(&other.table)
                .set_item(Some(key(&format!("MEMBER#other{i}"))))
                .send()
                .await
                .expect("put other");
        }
        for _ in 0..2 {
            // The second put changes nothing and emits no record.
            env.client
                .put_item()
                .table_name(&env.table)
                .set_item(Some(key("MEMBER#m1")))
                .send()
                .await
                .expect("put");
        }
        let event = reader.next_event().await;
        let records = event["Records"].as_array().cloned().unwrap_or_default();
        assert_eq!(records.len(), 1, "{event:#}");
        assert_eq!(records[0]["eventName"], "INSERT");
        assert_eq!(
            records[0]["dynamodb"]["Keys"]["PK"],
            json!({"S": "MEMBER#m1"})
        );
        assert_eq!(reader.next_event().await, json!({"Records": []}));
    }

    #[tokio::test]
    async fn next_events_batches_in_order() {
        let env = crate::TestEnv::without_program().await;
        let mut reader = StreamReader::start(&env.client, &env.table).await;
        for i in 0..7 {
            env.client
                .put_item()
                .table_name(&env.table)
                .set_item(Some(key(&format!("MEMBER#{i}"))))
                .send()
                .await
                .expect("put");
        }
        let events = reader.next_events(3).await;
        let sizes: Vec<usize> = events
            .iter()
            .map(|e| e["Records"].as_array().map_or(0, Vec::len))
            .collect();
        assert_eq!(sizes, [3, 3, 1]);
        let pks: Vec<&str> = events
            .iter()
            .flat_map(|e| e["Records"].as_array().into_iter().flatten())
            .map(|r| r["dynamodb"]["Keys"]["PK"]["S"].as_str().unwrap_or(""))
            .collect();
        let expected: Vec<String> = (0..7).map(|i| format!("MEMBER#{i}")).collect();
        assert_eq!(pks, expected);
        for event in &events {
            serde_json::from_value::<Event>(event.clone()).expect("a Lambda DynamoDB event");
        }
        assert!(reader.next_events(3).await.is_empty());
    }
}
