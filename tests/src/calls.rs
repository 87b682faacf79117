//! Counting the DynamoDB calls an operation makes, so tests and benchmarks can show how
//! they grow (with the members due, say, and not with the size of the table).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// Counts every DynamoDB operation sent by the clients it made, by operation name
/// (`"GetItem"`, `"Query"`, `"TransactWriteItems"`...).
///
/// An operation counts once per invocation (one `.send()`), however many attempts its
/// retries take, and whether it succeeds or fails: the count is taken when the SDK is
/// about to serialize the request, which happens once, before the retry loop. (A call the
/// SDK refuses before that, such as one missing a required field, is not counted.) Each
/// page a paginator fetches is one call. Clones share their counts.
#[derive(Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl CallCounter {
    /// A client for DynamoDB Local with the configuration of [`crate::local_client`]
    /// (endpoint, credentials, region, timeouts) that counts its calls here.
    pub async fn client(&self) -> Client {
        let base = crate::local_client().await;
        let config = base
            .config()
            .to_builder()
            .interceptor(CountingInterceptor {
                counts: Arc::clone(&self.counts),
            })
            .build();
        Client::from_conf(config)
    }

    /// Calls of every operation.
    pub fn total(&self) -> usize {
        self.lock().values().sum()
    }

    /// Calls by operation name, e.g. `{"Query": 3, "TransactWriteItems": 2}`.
    pub fn by_operation(&self) -> BTreeMap<String, usize> {
        self.lock().clone()
    }

    /// Calls of one operation (0 when it was never called).
    pub fn count(&self, operation: &str) -> usize {
        self.lock().get(operation).copied().unwrap_or(0)
    }

    /// Forgets every call counted so far.
    pub fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for CallCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallCounter")
            .field("counts", &*self.lock())
            .finish()
    }
}

#[derive(Debug)]
struct CountingInterceptor {
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl Intercept for CountingInterceptor {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Not `read_before_execution`: a client interceptor runs that before the operation's
    // configuration, which holds its name, is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or_else(|| "<unknown>".to_string(), |m| m.name().to_string());
        *self
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(operation)
            .or_default() += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    #[tokio::test]
    async fn counts_each_operation_once() {
        let env = crate::TestEnv::without_program().await;
        let counter = CallCounter::default();
        let client = counter.client().await;
        assert_eq!(counter.total(), 0);

        client.list_tables().send().await.expect("ListTables");
        for pk in ["MEMBER#a", "MEMBER#b"] {
            client
                .get_item()
                .table_name(&env.table)
                .key("PK", AttributeValue::S(pk.into()))
                .key("SK", AttributeValue::S("PROFILE".into()))
                .send()
                .await
                .expect("GetItem");
        }
        assert_eq!(
            counter.by_operation(),
            BTreeMap::from([("GetItem".to_string(), 2), ("ListTables".to_string(), 1)])
        );
        assert_eq!(counter.total(), 3);
        assert_eq!(counter.count("GetItem"), 2);
        assert_eq!(counter.count("Query"), 0);

        // A failed call counts too (the table does not exist), and clones share counts.
        let clone = counter.clone();
        client
            .describe_table()
            .table_name("no-such-table")
            .send()
            .await
            .expect_err("DescribeTable of a missing table fails");
        assert_eq!(clone.count("DescribeTable"), 1);

        counter.reset();
        assert_eq!(counter.total(), 0);
        assert!(clone.by_operation().is_empty());

        // The environment's own client is not counted.
        env.client.list_tables().send().await.expect("ListTables");
        assert_eq!(counter.total(), 0);
    }
}
