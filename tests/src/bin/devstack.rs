//! The dev stack's helper, run by `make dev`:
//! - `devstack setup`: creates the table on DynamoDB Local from infra/template.yaml if it is
//!   missing, loads the demo programme and a demo member with some history (through the
//!   functions' own handlers), and prints dev tokens and curl commands to paste.
//! - `devstack token <sub> [scope]`: prints a dev token.
//!
//! Reads `DYNAMODB_ENDPOINT`, `TABLE_NAME` and `LOYALTY_DEV_JWT_SECRET`.

use std::sync::Arc;

use loyalty::Context;
use loyalty::domain::clock::SystemClock;
use loyalty::domain::program::Program;
use loyalty::identity::AuthConfig;
use loyalty::identity::dev_token::{DevClaims, mint};
use loyalty::store::Store;
use loyalty_tests::{Call, Function, demo_rewards, invoke, program_with, table_definition};
use serde_json::json;

const DEMO_MEMBER: &str = "demo-member";
const BASE_URL: &str = "http://localhost:9000";

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} must be set (make dev sets it)"))
}

fn token(secret: &str, sub: &str, scope: Option<&str>) -> String {
    mint(
        // With a scope, a machine client's token (a till, an operator's tool); without, a
        // member's sign-in.
        &match scope {
            Some(scope) => DevClaims::client(sub, scope),
            None => DevClaims::member(sub),
        },
        secret.as_bytes(),
    )
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secret = env("LOYALTY_DEV_JWT_SECRET")?;
    match args.first().map(String::as_str) {
        Some("token") => {
            let sub = args.get(1).ok_or("usage: devstack token <sub> [scope]")?;
            println!("{}", token(&secret, sub, args.get(2).map(String::as_str)));
            Ok(())
        }
        Some("setup") => setup(&secret).await,
        Some("pump") => pump(&secret).await,
        Some("daily") => daily(&secret, args.get(1).map(String::as_str)).await,
        _ => {
            Err("usage: devstack setup | token <sub> [scope] | pump | daily [RFC 3339 time]".into())
        }
    }
}

/// The dev stack's context, on the system clock or a fixed instant.
async fn dev_context(secret: &str, at: Option<time::OffsetDateTime>) -> Result<Context, String> {
    let table = env("TABLE_NAME")?;
    env("DYNAMODB_ENDPOINT")?;
    let clock: Arc<dyn loyalty::domain::clock::Clock> = match at {
        Some(at) => Arc::new(loyalty::domain::clock::ManualClock::at(at)),
        None => Arc::new(SystemClock),
    };
    Ok(Context {
        store: Store::new(loyalty::store::client_from_env().await, table),
        clock,
        auth: AuthConfig::with_dev_secret(secret),
        shared: loyalty::shared_items::SharedItems::from_env(),
    })
}

/// What Lambda's stream trigger does in AWS: feeds the table's new stream records to the
/// evaluate-tier function, so tiers change within seconds of an earn on the local stack too.
async fn pump(secret: &str) -> Result<(), String> {
    loyalty::telemetry::init();
    let context = dev_context(secret, None).await?;
    let client = context.store.client().clone();
    let mut reader =
        loyalty_tests::stream::StreamReader::start(&client, context.store.table()).await;
    let tiers = evaluate_tier::TierContext::new(context, Arc::new(evaluate_tier::LogPublisher));
    println!(
        "stream pump: feeding {} stream records to evaluate-tier",
        tiers.base.store.table()
    );
    loop {
        let event = reader.next_event().await;
        let records = event["Records"].as_array().map_or(0, Vec::len);
        if records == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            continue;
        }
        match evaluate_tier::handle(&tiers, event).await {
            Ok(answer) => println!(
                "stream pump: {records} records, failures {}",
                answer["batchItemFailures"]
            ),
            Err(error) => println!("stream pump: {error}"),
        }
    }
}

/// The daily run, now or at a given instant (to see expiry and reviews on the local stack).
async fn daily(secret: &str, at: Option<&str>) -> Result<(), String> {
    loyalty::telemetry::init();
    let at = at
        .map(|raw| time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339))
        .transpose()
        .map_err(|e| format!("the time must be RFC 3339: {e}"))?;
    let context = dev_context(secret, at).await?;
    let tiers = evaluate_tier::TierContext::new(context, Arc::new(evaluate_tier::LogPublisher));
    // Looks back far enough to catch up with a jump in time.
    let run = json!({"kind": "daily", "catchUpDays": 400});
    let summary = evaluate_tier::handle(&tiers, run)
        .await
        .map_err(|e| e.to_string())?;
    println!("{summary}");
    Ok(())
}

async fn setup(secret: &str) -> Result<(), String> {
    let table = env("TABLE_NAME")?;
    env("DYNAMODB_ENDPOINT")?;
    let client = loyalty::store::client_from_env().await;
    let tables = client
        .list_tables()
        .send()
        .await
        .map_err(|e| format!("DynamoDB Local is not answering: {e}"))?;
    if !tables.table_names().contains(&table) {
        table_definition()
            .create(&client, &table)
            .await
            .map_err(|e| e.to_string())?;
        println!("created table {table} from infra/template.yaml");
    }
    let context = Context {
        store: Store::new(client, table),
        clock: Arc::new(SystemClock),
        auth: AuthConfig::with_dev_secret(secret),
        shared: loyalty::shared_items::SharedItems::from_env(),
    };
    let now = time::OffsetDateTime::now_utc();
    let day = |days: i64| {
        (now + time::Duration::days(days))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    if context
        .store
        .program()
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        // With a purchase challenge running from today, beside the fixture's review one.
        let document = program_with(|p| {
            if let Some(challenges) = p["challenges"].as_array_mut() {
                challenges.push(
                    json!({"challengeId": "coffee-regular", "name": "Ten coffees",
                    "validFrom": day(-1), "validTo": day(90), "goal": {"purchases": 10},
                    "categories": ["coffee"], "reward": {"points": 200}, "badge": "regular"}),
                );
            }
        });
        let program =
            Program::from_json(document.to_string().as_bytes()).map_err(|e| e.to_string())?;
        context
            .store
            .put_program(&program, time::OffsetDateTime::now_utc(), "devstack")
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "loaded the demo programme (tests/fixtures/demo-program.json, with the challenge coffee-regular)"
        );
    }

    let member = token(secret, DEMO_MEMBER, None);
    let till = token(secret, "demo-till", Some("loyalty/earn"));
    let admin = token(secret, "demo-operator", Some("loyalty/admin"));
    let call = |function, call: Call| {
        let context = &context;
        async move { invoke(context, function, call).await.status.as_u16() }
    };
    let enrolled = call(
        Function::MemberApi,
        Call::new("POST", "/v1/members")
            .bearer(&member)
            .json(&json!({"displayName": "Demo Member"})),
    )
    .await;
    for (id, amount, category) in [
        ("demo-purchase-1", 1250, "coffee"),
        ("demo-purchase-2", 4599, "bakery"),
    ] {
        let body = json!({"transactionId": id, "amount": {"amount": amount, "currency": "EUR"}, "category": category});
        call(
            Function::EarnPoints,
            Call::new("POST", format!("/v1/members/{DEMO_MEMBER}/earn"))
                .bearer(&till)
                .json(&body),
        )
        .await;
    }
    let review = json!({"actionId": "demo-review-1", "action": "review"});
    call(
        Function::EarnPoints,
        Call::new("POST", format!("/v1/members/{DEMO_MEMBER}/actions"))
            .bearer(&till)
            .json(&review),
    )
    .await;
    println!("demo member {DEMO_MEMBER} ready (enrol answered {enrolled})");
    for (id, reward) in demo_rewards() {
        let put = Call::new("PUT", format!("/v1/rewards/{id}"))
            .bearer(&admin)
            .json(&reward);
        call(Function::RedeemReward, put).await;
    }
    println!("demo rewards loaded (tests/fixtures/demo-rewards.json)");
    // Two targeted offers running from today for 90 days: one a new member clips, one for
    // Gold members only.
    let offers = [
        (
            "welcome-coffee",
            json!({"title": "50 points on your first coffee", "bonus": {"fixedPoints": 50},
                "categories": ["coffee"], "requiresActivation": true, "perMemberLimit": 1,
                "audience": {"enrolledWithinDays": 30}, "budgetPoints": 100_000,
                "validFrom": day(-1), "validTo": day(90)}),
        ),
        (
            "gold-bakery",
            json!({"title": "Double points on bakery for Gold", "bonus": {"multiplier": 2},
                "categories": ["bakery"], "audience": {"tiers": ["Gold"]},
                "budgetPoints": 500_000, "validFrom": day(-1), "validTo": day(90)}),
        ),
    ];
    for (id, offer) in offers {
        let put = Call::new("PUT", format!("/v1/offers/{id}"))
            .bearer(&admin)
            .json(&offer);
        call(Function::EarnPoints, put).await;
    }
    println!("demo offers published (welcome-coffee, gold-bakery)");
    let partner = invoke(
        &context,
        Function::PartnerOffers,
        Call::new("PUT", "/v1/partners/demo-partner")
            .bearer(&admin)
            .json(&json!({"name": "Demo Bike Shop"})),
    )
    .await;
    let partner_secret = partner.body["secret"]
        .as_str()
        .unwrap_or("(not created)")
        .to_string();
    println!("demo partner demo-partner created (its secret is shown once, below)\n");

    println!("Dev tokens (HS256, signed with LOYALTY_DEV_JWT_SECRET):");
    println!("  export MEMBER_TOKEN={member}");
    println!("  export TILL_TOKEN={till}");
    println!("  export ADMIN_TOKEN={admin}");
    println!("  export PARTNER_SECRET={partner_secret}\n");
    println!("Try:");
    println!("  curl -s {BASE_URL}/v1/members/me -H \"authorization: Bearer $MEMBER_TOKEN\"");
    println!(
        "  curl -s '{BASE_URL}/v1/members/me/activity?limit=10' -H \"authorization: Bearer $MEMBER_TOKEN\""
    );
    println!(
        "  curl -s -X POST {BASE_URL}/v1/members/{DEMO_MEMBER}/earn -H \"authorization: Bearer $TILL_TOKEN\" -H 'content-type: application/json' \\\n    -d '{{\"transactionId\": \"till-42-0001\", \"amount\": {{\"amount\": 899, \"currency\": \"EUR\"}}, \"category\": \"coffee\"}}'"
    );
    println!(
        "  curl -s -X POST {BASE_URL}/v1/members/{DEMO_MEMBER}/earn/till-42-0001/reverse -H \"authorization: Bearer $TILL_TOKEN\" -H 'content-type: application/json' \\\n    -d '{{\"amount\": {{\"amount\": 300, \"currency\": \"EUR\"}}}}'"
    );
    println!(
        "  curl -s -X POST {BASE_URL}/v1/members/{DEMO_MEMBER}/actions -H \"authorization: Bearer $TILL_TOKEN\" -H 'content-type: application/json' \\\n    -d '{{\"actionId\": \"survey-0001\", \"action\": \"survey\"}}'"
    );
    println!(
        "  curl -s {BASE_URL}/v1/members/me/challenges -H \"authorization: Bearer $MEMBER_TOKEN\""
    );
    println!(
        "  curl -s -X PUT {BASE_URL}/v1/members/{DEMO_MEMBER}/membership -H \"authorization: Bearer $ADMIN_TOKEN\" -H 'content-type: application/json' \\\n    -d '{{\"planId\": \"plus\", \"until\": \"{}\", \"reference\": \"inv-0001\"}}'",
        day(30)
    );
    println!("  curl -s {BASE_URL}/v1/program -H \"authorization: Bearer $ADMIN_TOKEN\"");
    println!("  curl -s {BASE_URL}/v1/rewards -H \"authorization: Bearer $MEMBER_TOKEN\"");
    println!(
        "  curl -s {BASE_URL}/v1/members/me/offers -H \"authorization: Bearer $MEMBER_TOKEN\""
    );
    println!(
        "  curl -s -X POST {BASE_URL}/v1/members/me/offers/welcome-coffee/activate -H \"authorization: Bearer $MEMBER_TOKEN\""
    );
    println!("  curl -s {BASE_URL}/v1/offers -H \"authorization: Bearer $ADMIN_TOKEN\"");
    println!(
        "  curl -s -X POST {BASE_URL}/v1/members/me/redemptions -H \"authorization: Bearer $MEMBER_TOKEN\" -H 'idempotency-key: redeem-1' \\\n    -H 'content-type: application/json' -d '{{\"rewardId\": \"free-coffee\"}}'"
    );
    println!(
        "  curl -s -X POST {BASE_URL}/v1/vouchers/<code>/use -H \"authorization: Bearer $TILL_TOKEN\""
    );
    println!(
        "  scripts/sign-webhook.sh \"$PARTNER_SECRET\" {BASE_URL}/v1/partners/demo-partner/webhooks offer.json  # see README"
    );
    println!("\nNew tokens: cargo run -q -p loyalty-tests --bin devstack -- token <sub> [scope]");
    Ok(())
}
