//! Privacy (API.md "Privacy and portability"): a member's export holds every record the table
//! keeps about it; an erasure leaves nothing that names it (shown by scanning the whole
//! table), keeps what other parties rely on under a pseudonym, stops its unused vouchers,
//! takes its points out of the figures as an `erase` movement, answers a retry the same, and
//! holds under concurrent writes.

use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty::domain::erasure::Pseudonym;
use loyalty::domain::identifier::MemberId;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, purchase, signed_webhook};
use serde_json::{Value, json};

use crate::tiers::Tiers;

/// Distinctive, so that a scan for them cannot match anything else.
const BOB: &str = "member-bob-5c1e";
const BOB_NAME: &str = "Bobby Tables-Brown";
const BOB_BIRTHDAY: &str = "07-14";
const ANN: &str = "member-ann-9d2f";
const CUP: &str = "reusable-cup";

async fn ok(env: &TestEnv, function: Function, call: Call, status: StatusCode) -> TestResponse {
    let response = env.call(function, call).await;
    assert_eq!(response.status, status, "{}", response.body);
    response
}

/// What the test then checks against.
struct Busy {
    /// The unused voucher's code, and the used one's.
    unused: String,
    used: String,
    partner_secret: String,
    webhook: String,
}

/// Ann refers Bob. Bob names himself, gives a birthday, buys (qualifying the referral and
/// stamping the coffee card), redeems the cup twice (one voucher used at a till, one not),
/// and buys from a partner; the stream then pays Ann her part.
async fn busy_member(env: &TestEnv, tiers: &mut Tiers) -> Busy {
    let admin = env.admin_token();
    let code = env.enrol(ANN).await.body["referralCode"]
        .as_str()
        .unwrap()
        .to_string();
    let enrol = Call::new("POST", "/v1/members")
        .bearer(&env.member_token(BOB))
        .json(&json!({ "referralCode": code }));
    ok(env, Function::MemberApi, enrol, StatusCode::CREATED).await;
    let profile = Call::new("PATCH", "/v1/members/me")
        .bearer(&env.member_token(BOB))
        .header("idempotency-key", "profile-1")
        .json(&json!({"displayName": BOB_NAME, "birthday": BOB_BIRTHDAY}));
    ok(env, Function::MemberApi, profile, StatusCode::OK).await;
    for (transaction, minor) in [("t-1", 50_000), ("t-2", 30_000)] {
        let earned = env
            .earn(BOB, purchase(transaction, minor, Some("coffee")))
            .await;
        assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    }
    let reward = loyalty_tests::demo_rewards()
        .into_iter()
        .find(|(id, _)| id == CUP)
        .unwrap();
    let put = Call::new("PUT", format!("/v1/rewards/{CUP}"))
        .bearer(&admin)
        .json(&reward.1);
    ok(env, Function::RedeemReward, put, StatusCode::OK).await;
    let mut codes = Vec::new();
    for key in ["r-1", "r-2"] {
        let redeem = Call::new("POST", "/v1/members/me/redemptions")
            .bearer(&env.member_token(BOB))
            .header("idempotency-key", key)
            .json(&json!({"rewardId": CUP}));
        let redeemed = ok(env, Function::RedeemReward, redeem, StatusCode::CREATED).await;
        codes.push(redeemed.body["code"].as_str().unwrap().to_string());
    }
    let used = use_voucher(env, &codes[0]).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);

    let created = Call::new("PUT", "/v1/partners/bikes")
        .bearer(&admin)
        .json(&json!({"name": "Bike Shop"}));
    let created = ok(env, Function::PartnerOffers, created, StatusCode::CREATED).await;
    let secret = created.body["secret"].as_str().unwrap().to_string();
    let offer = r#"{"type": "offer.upserted", "data": {"offerId": "double", "title": "Double points",
        "bonus": {"multiplier": 2}, "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z"}}"#;
    let published = signed_webhook("bikes", &secret, "msg-1", offer);
    ok(env, Function::PartnerOffers, published, StatusCode::OK).await;
    let bought = partner_purchase();
    let purchase = signed_webhook("bikes", &secret, "msg-2", &bought);
    let credited = ok(env, Function::PartnerOffers, purchase, StatusCode::OK).await;
    assert_eq!(credited.body["memberId"], BOB, "{}", credited.body);
    // An action the shop verified, and a paid membership.
    let survey = Call::new("POST", format!("/v1/members/{BOB}/actions"))
        .bearer(&env.till_token())
        .json(&json!({"actionId": "survey-1", "action": "survey"}));
    ok(env, Function::EarnPoints, survey, StatusCode::CREATED).await;
    let plan = Call::new("PUT", format!("/v1/members/{BOB}/membership"))
        .bearer(&admin)
        .json(&json!({"planId": "plus", "until": "2027-01-01T00:00:00Z", "reference": "inv-1"}));
    ok(env, Function::EarnPoints, plan, StatusCode::OK).await;
    tiers.drain_stream().await;
    Busy {
        used: codes[0].clone(),
        unused: codes[1].clone(),
        partner_secret: secret,
        webhook: bought,
    }
}

fn partner_purchase() -> String {
    json!({"type": "purchase.completed", "data": {"memberId": BOB,
        "partnerTransactionId": "p-1", "amount": {"amount": 5000, "currency": "EUR"},
        "occurredAt": "2026-11-23T11:00:00Z", "offerId": "double"}})
    .to_string()
}

async fn use_voucher(env: &TestEnv, code: &str) -> TestResponse {
    let call = Call::new("POST", format!("/v1/vouchers/{code}/use"))
        .bearer(&env.till_token())
        .header("idempotency-key", &format!("use-{code}"));
    env.call(Function::RedeemReward, call).await
}

async fn export(env: &TestEnv, member: &str, token: &str) -> TestResponse {
    let call = Call::new("GET", format!("/v1/members/{member}/export")).bearer(token);
    env.call(Function::MemberApi, call).await
}

async fn erase_self(env: &TestEnv, member: &str) -> TestResponse {
    let call = Call::new("DELETE", "/v1/members/me").bearer(&env.member_token(member));
    env.call(Function::MemberApi, call).await
}

/// Every stored item whose text holds `needle`, as `PK / SK`.
async fn items_naming(env: &TestEnv, needle: &str) -> Vec<String> {
    env.table_snapshot()
        .await
        .into_iter()
        .filter(|((pk, sk), item)| {
            pk.contains(needle) || sk.contains(needle) || item.to_string().contains(needle)
        })
        .map(|((pk, sk), _)| format!("{pk} / {sk}"))
        .collect()
}

/// What the partner is owed for November.
async fn statement(env: &TestEnv) -> Value {
    let call = Call::new(
        "GET",
        "/v1/partners/bikes/statement?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
    )
    .bearer(&env.admin_token());
    ok(env, Function::PartnerOffers, call, StatusCode::OK)
        .await
        .body
}

/// An operator's reconciliation, page after page, to its conclusion.
async fn reconcile(env: &TestEnv) -> Value {
    let mut path = "/v1/metrics/reconciliation".to_string();
    loop {
        let call = Call::new("GET", path.clone()).bearer(&env.admin_token());
        let page = ok(env, Function::EarnPoints, call, StatusCode::OK)
            .await
            .body;
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/v1/metrics/reconciliation?cursor={cursor}"),
            None => return page,
        }
    }
}

async fn metrics(env: &TestEnv) -> Value {
    let call =
        Call::new("GET", "/v1/metrics?from=2026-11-23&to=2026-11-23").bearer(&env.admin_token());
    ok(env, Function::EarnPoints, call, StatusCode::OK)
        .await
        .body
}

fn kinds(entries: &Value) -> Vec<String> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_export_holds_every_kind_of_record_held_about_the_member() {
    // Boxed: the scenario's future is large, and a test thread's stack is not.
    Box::pin(async {
        let env = TestEnv::new().await;
        let mut tiers = Tiers::new(&env).await;
        Box::pin(busy_member(&env, &mut tiers)).await;

        let mine = Call::new("GET", "/v1/members/me/export").bearer(&env.member_token(BOB));
        let mine = ok(&env, Function::MemberApi, mine, StatusCode::OK)
            .await
            .body;
        assert_eq!(mine["profile"]["memberId"], BOB);
        assert_eq!(mine["profile"]["displayName"], BOB_NAME);
        assert_eq!(mine["storedProfile"]["birthday"], BOB_BIRTHDAY);
        assert_eq!(mine["storedProfile"]["referral"]["referrer"], ANN);
        assert!(mine["storedProfile"]["stampCards"]["coffee-card"]["stamps"].as_i64() >= Some(1));
        let ledger = kinds(&mine["ledger"]);
        for kind in [
            "earn",
            "referral_bonus",
            "redeem",
            "partner_bonus",
            "action_bonus",
        ] {
            assert!(ledger.iter().any(|k| k == kind), "{kind} in {ledger:?}");
        }
        // Oldest first, every entry there.
        let seqs: Vec<i64> = mine["ledger"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
        assert_eq!(seqs.len(), env.all_activity(BOB, 100).await.len());
        let purchases = mine["purchases"].as_array().unwrap();
        assert_eq!(purchases.len(), 3, "two at the till, one at the partner");
        assert!(purchases.iter().any(|p| p["partnerId"] == "bikes"));
        let redemptions = mine["redemptions"].as_array().unwrap();
        assert_eq!(redemptions.len(), 2);
        assert!(redemptions.iter().any(|r| r["status"] == "used"));
        assert_eq!(mine["referralLink"]["referrer"], ANN);
        let actions = mine["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0]["actionId"], "survey-1");
        assert_eq!(mine["storedProfile"]["membership"]["planId"], "plus");
        // Storage keys stay out of it.
        assert!(!mine.to_string().contains("\"PK\""), "{mine}");

        // The referrer's side: her figures, her award for Bob, the event that told her.
        let hers = export(&env, ANN, &env.admin_token()).await;
        assert_eq!(hers.status, StatusCode::OK, "{}", hers.body);
        assert_eq!(hers.body["referralFigures"]["rewarded"], 1, "{}", hers.body);
        assert_eq!(hers.body["referralAwards"][0]["referee"], BOB);
        let events: Vec<&str> = hers.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(events.contains(&"ReferralRewarded"), "{events:?}");

        // Nobody else's.
        let other = export(&env, BOB, &env.member_token(ANN)).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.body);
        let unknown = export(&env, "nobody", &env.admin_token()).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    })
    .await;
}

#[tokio::test]
async fn an_export_of_five_thousand_entries_fits_one_answer() {
    // Boxed: the scenario's future is large, and a test thread's stack is not.
    Box::pin(async {
        let env = TestEnv::new().await;
        env.enrol(BOB).await;
        let earned = env.earn(BOB, purchase("t-1", 1_000, None)).await;
        assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
        // 5,000 entries the way the ledger stores them, written straight to the table: through
        // the API they would take minutes, and the export reads items, not how they came.
        let first = env.table_snapshot().await
            [&(format!("MEMBER#{BOB}"), format!("LEDGER#{:020}", 1))]
            .clone();
        let items: Vec<Value> = (2..=5_000)
            .map(|seq| {
                let mut item = first.clone();
                item["SK"] = json!(format!("LEDGER#{seq:020}"));
                item["seq"] = json!(seq);
                item["entryId"] = json!(format!("entry-{seq}"));
                item
            })
            .collect();
        for chunk in items.chunks(25) {
            let requests = chunk
                .iter()
                .map(|item| {
                    let put = aws_sdk_dynamodb::types::PutRequest::builder()
                        .set_item(Some(
                            serde_dynamo::aws_sdk_dynamodb_1::to_item(item).unwrap(),
                        ))
                        .build()
                        .unwrap();
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(put)
                        .build()
                })
                .collect();
            let written = env
                .client
                .batch_write_item()
                .request_items(&env.table, requests)
                .send()
                .await
                .unwrap();
            assert!(written.unprocessed_items.is_none_or(|left| left.is_empty()));
        }
        let exported = export(&env, BOB, &env.admin_token()).await;
        assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
        assert_eq!(exported.body["ledger"].as_array().unwrap().len(), 5_000);
        assert_eq!(exported.body["ledger"][4_999]["seq"], 5_000);
        // Well inside a Lambda answer (6 MB).
        assert!(exported.body.to_string().len() < 4_000_000);
    })
    .await;
}

#[tokio::test]
async fn an_erasure_leaves_nothing_that_names_the_member_and_keeps_what_others_rely_on() {
    // Boxed: the scenario's future is large, and a test thread's stack is not.
    Box::pin(async {
        let env = TestEnv::new().await;
        let mut tiers = Tiers::new(&env).await;
        let busy = Box::pin(busy_member(&env, &mut tiers)).await;
        let pseudonym = Pseudonym::of(&MemberId::try_from(BOB).unwrap());
        assert!(
            !items_naming(&env, BOB).await.is_empty(),
            "the setup names Bob"
        );
        let held = loyalty_tests::held_points(
            &env.table_snapshot().await[&(format!("MEMBER#{BOB}"), "PROFILE".to_string())],
        );
        assert!(held > 0);
        let cups_before = env.table_snapshot().await
            [&("CATALOGUE".into(), format!("REWARD#{CUP}"))]["stock"]
            .as_i64()
            .unwrap();
        let owed_before = statement(&env).await;

        let erased = erase_self(&env, BOB).await;
        assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
        assert_eq!(
            erased.body,
            json!({"erased": true, "pointsForfeited": held})
        );
        tiers.drain_stream().await;

        // A scan of the whole table finds neither the id, the name nor the birthday.
        assert_eq!(items_naming(&env, BOB).await, Vec::<String>::new());
        assert_eq!(items_naming(&env, BOB_NAME).await, Vec::<String>::new());
        assert_eq!(
            items_naming(&env, &format!("\"{BOB_BIRTHDAY}\"")).await,
            Vec::<String>::new()
        );

        // The member is gone everywhere; a retry answers the same.
        let me = env.me(BOB).await;
        assert_eq!(me.status, StatusCode::NOT_FOUND, "{}", me.body);
        let again = erase_self(&env, BOB).await;
        assert_eq!((again.status, &again.body), (StatusCode::OK, &erased.body));
        let earn = env.earn(BOB, purchase("t-9", 1_000, None)).await;
        assert_eq!(earn.status, StatusCode::NOT_FOUND, "{}", earn.body);

        // The unused voucher stopped working and gave its cup back; the used one is gone too.
        for code in [&busy.unused, &busy.used] {
            let look = Call::new("GET", format!("/v1/vouchers/{code}")).bearer(&env.till_token());
            let look = env.call(Function::RedeemReward, look).await;
            assert_eq!(look.status, StatusCode::NOT_FOUND, "{}", look.body);
        }
        let cups_after = env.table_snapshot().await[&("CATALOGUE".into(), format!("REWARD#{CUP}"))]
            ["stock"]
            .as_i64()
            .unwrap();
        assert_eq!(cups_after, cups_before + 1);

        // What other parties rely on stays, naming the pseudonym: the partner's statement, the
        // answers their retries get, the referrer's award and figures.
        assert_eq!(statement(&env).await, owed_before);
        let replay = signed_webhook("bikes", &busy.partner_secret, "msg-2", &busy.webhook);
        let replay = env.call(Function::PartnerOffers, replay).await;
        assert!(replay.replayed(), "{}", replay.body);
        assert_eq!(replay.body["memberId"], pseudonym.as_str());
        let till_retry = use_voucher(&env, &busy.used).await;
        assert!(till_retry.replayed(), "{}", till_retry.body);
        assert_eq!(till_retry.body["memberId"], pseudonym.as_str());
        let hers = export(&env, ANN, &env.admin_token()).await.body;
        assert_eq!(hers["referralAwards"][0]["referee"], pseudonym.as_str());
        assert_eq!(hers["referralFigures"]["rewarded"], 1);

        // The figures: Bob's points left the liability as an `erase` movement, and what is left
        // is exactly Ann's.
        let figures = metrics(&env).await;
        let ann = loyalty_tests::held_points(
            &env.table_snapshot().await[&(format!("MEMBER#{ANN}"), "PROFILE".to_string())],
        );
        assert_eq!(figures["days"][0]["erased"], held, "{figures}");
        assert_eq!(figures["current"]["liability"], ann, "{figures}");
        assert_eq!(figures["current"]["members"], 1, "{figures}");
        let reconciled = reconcile(&env).await;
        assert_eq!(
            (&reconciled["difference"], &reconciled["membersDifference"]),
            (&json!(0), &json!(0)),
            "{reconciled}"
        );

        // Enrolling again later starts a new member at zero.
        let back = env.enrol(BOB).await;
        assert_eq!(back.body["balance"], 0, "{}", back.body);
        assert_eq!(back.body["displayName"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn an_operator_erases_with_a_reason_and_bad_requests_change_nothing() {
    // Boxed: the scenario's future is large, and a test thread's stack is not.
    Box::pin(async {
        let env = TestEnv::new().await;
        env.enrol(BOB).await;
        let earned = env.earn(BOB, purchase("t-1", 10_000, None)).await;
        let held = earned.body["balance"].as_i64().unwrap();
        let before = env.table_snapshot().await;
        let admin = env.admin_token();
        let refused = [
            (
                Call::new("DELETE", format!("/v1/members/{BOB}")).bearer(&admin),
                StatusCode::BAD_REQUEST,
            ),
            (
                Call::new("DELETE", format!("/v1/members/{BOB}"))
                    .bearer(&admin)
                    .json(&json!({"reason": "  "})),
                StatusCode::BAD_REQUEST,
            ),
            (
                Call::new("DELETE", format!("/v1/members/{BOB}"))
                    .bearer(&admin)
                    .json(&json!({"reason": "asked", "extra": 1})),
                StatusCode::BAD_REQUEST,
            ),
            (
                Call::new("DELETE", "/v1/members/bad%23id")
                    .bearer(&admin)
                    .json(&json!({"reason": "asked"})),
                StatusCode::BAD_REQUEST,
            ),
            (
                Call::new("DELETE", "/v1/members/nobody")
                    .bearer(&admin)
                    .json(&json!({"reason": "asked"})),
                StatusCode::NOT_FOUND,
            ),
            // A member cannot erase another, nor can a till.
            (
                Call::new("DELETE", format!("/v1/members/{BOB}"))
                    .bearer(&env.member_token(ANN))
                    .json(&json!({"reason": "asked"})),
                StatusCode::FORBIDDEN,
            ),
            (
                Call::new("DELETE", format!("/v1/members/{BOB}"))
                    .bearer(&env.till_token())
                    .json(&json!({"reason": "asked"})),
                StatusCode::FORBIDDEN,
            ),
            (
                Call::new("DELETE", "/v1/members/me").bearer(&env.till_token()),
                StatusCode::FORBIDDEN,
            ),
        ];
        for (call, status) in refused {
            let response = env.call(Function::MemberApi, call.clone()).await;
            assert_eq!(response.status, status, "{} {}", call.path, response.body);
            assert!(
                response.body["error"]["code"].is_string(),
                "{}",
                response.body
            );
            assert_eq!(
                env.table_snapshot().await,
                before,
                "{} changed the table",
                call.path
            );
        }
        let erase = Call::new("DELETE", format!("/v1/members/{BOB}"))
            .bearer(&admin)
            .json(&json!({"reason": "GDPR request 17"}));
        let erased = ok(&env, Function::MemberApi, erase, StatusCode::OK).await;
        assert_eq!(erased.body["pointsForfeited"], held, "{}", erased.body);
        assert_eq!(items_naming(&env, BOB).await, Vec::<String>::new());
        // The record keeps who asked and why, under the pseudonym only.
        let pseudonym = Pseudonym::of(&MemberId::try_from(BOB).unwrap());
        let record = &env.table_snapshot().await[&(
            format!("ERASED#{}", pseudonym.as_str()),
            "ERASED".to_string(),
        )];
        assert_eq!(record["by"], "operator:operator-1");
        assert_eq!(record["reason"], "GDPR request 17");
    })
    .await;
}

#[tokio::test]
async fn an_erasure_under_concurrent_writes_leaves_nothing_written_after_it() {
    // Boxed: the scenario's future is large, and a test thread's stack is not.
    Box::pin(async {
        let env = TestEnv::new().await;
        env.enrol(BOB).await;
        let first = env.earn(BOB, purchase("t-0", 10_000, None)).await;
        let first = first.body["balance"].as_i64().unwrap();
        let earns = (1..=20).map(|i| env.earn(BOB, purchase(&format!("t-{i}"), 1_000, None)));
        let erasure = erase_self(&env, BOB);
        let (answers, erased) = futures::join!(join_all(earns), erasure);
        assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
        for answer in &answers {
            assert!(
                [StatusCode::CREATED, StatusCode::NOT_FOUND].contains(&answer.status),
                "{} {}",
                answer.status,
                answer.body
            );
        }
        // Whatever committed before the erasure was forfeited with the rest; nothing after it.
        let credited: i64 = answers
            .iter()
            .filter(|a| a.status == StatusCode::CREATED)
            .map(|a| a.body["points"].as_i64().unwrap())
            .sum();
        assert_eq!(erased.body["pointsForfeited"], first + credited);
        assert_eq!(items_naming(&env, BOB).await, Vec::<String>::new());
        let figures = metrics(&env).await;
        assert_eq!(figures["current"]["liability"], 0, "{figures}");
        assert_eq!(figures["current"]["members"], 0, "{figures}");
        let issued: i64 = figures["days"][0]["issued"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum();
        assert_eq!(figures["days"][0]["erased"], issued, "{figures}");
        // Later writes find no member, and write nothing.
        let after = env.table_snapshot().await;
        let late = env.earn(BOB, purchase("t-99", 1_000, None)).await;
        assert_eq!(late.status, StatusCode::NOT_FOUND, "{}", late.body);
        assert_eq!(env.table_snapshot().await, after);
    })
    .await;
}

#[tokio::test]
async fn a_referred_member_erased_before_the_stream_pays_its_referrer_leaves_no_award() {
    // Boxed: the scenario's future is large, and a test thread's stack is not.
    Box::pin(async {
        let env = TestEnv::new().await;
        let mut tiers = Tiers::new(&env).await;
        let code = env.enrol(ANN).await.body["referralCode"]
            .as_str()
            .unwrap()
            .to_string();
        let enrol = Call::new("POST", "/v1/members")
            .bearer(&env.member_token(BOB))
            .json(&json!({ "referralCode": code }));
        ok(&env, Function::MemberApi, enrol, StatusCode::CREATED).await;
        let earned = env.earn(BOB, purchase("t-1", 50_000, None)).await;
        assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
        // The link is in the stream, not yet delivered, when Bob is erased.
        assert_eq!(erase_self(&env, BOB).await.status, StatusCode::OK);
        tiers.drain_stream().await;
        assert_eq!(items_naming(&env, BOB).await, Vec::<String>::new());
        let hers = export(&env, ANN, &env.admin_token()).await.body;
        assert_eq!(hers["referralAwards"], json!([]), "{hers}");
        assert_eq!(hers["profile"]["balance"], 0, "{hers}");
    })
    .await;
}
