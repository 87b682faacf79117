//! The earn-rule engine's throughput (`make bench` reports it; `cargo bench --profile release
//! -p loyalty-bench --bench earn_rules` runs it alone): `Program::evaluate_earn` under the demo
//! programme, over a mix of purchases that takes every path (categories with and without a
//! multiplier, the winter promotion inside and outside its window, the three tiers, the daily
//! cap).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use loyalty::domain::currency::Currency;
use loyalty::domain::earn_rules::Purchase;
use loyalty::domain::identifier::RuleId;
use loyalty::domain::money::Money;
use loyalty::domain::points::Points;
use loyalty::domain::program::Program;
use time::macros::datetime;

struct Case {
    amount: Money,
    category: Option<RuleId>,
    occurred_at: time::OffsetDateTime,
    tier: &'static str,
    earned_today: Points,
}

fn cases() -> Result<(Program, Vec<Case>), String> {
    let program = Program::from_json(include_bytes!("../../tests/fixtures/demo-program.json"))
        .map_err(|e| e.to_string())?;
    let money = |minor| Money::new(minor, Currency::EUR).map_err(|e| e.to_string());
    let rule = |id: &str| RuleId::try_from(id).map_err(|e| e.to_string());
    let points = |p| Points::new(p).ok_or("points");
    let in_promotion = datetime!(2026-11-23 12:00 UTC);
    let outside = datetime!(2026-06-15 12:00 UTC);
    let case = |amount, category, occurred_at, tier, earned_today| Case {
        amount,
        category,
        occurred_at,
        tier,
        earned_today,
    };
    let cases = vec![
        case(
            money(899)?,
            Some(rule("coffee")?),
            in_promotion,
            "Member",
            Points::ZERO,
        ),
        case(
            money(4599)?,
            Some(rule("bakery")?),
            in_promotion,
            "Silver",
            Points::ZERO,
        ),
        case(money(12_000)?, None, in_promotion, "Gold", Points::ZERO),
        case(
            money(350)?,
            Some(rule("coffee")?),
            outside,
            "Silver",
            Points::ZERO,
        ),
        case(
            money(2500)?,
            Some(rule("books")?),
            outside,
            "Member",
            Points::ZERO,
        ),
        case(
            money(75_000)?,
            Some(rule("coffee")?),
            in_promotion,
            "Gold",
            points(19_900)?,
        ),
        case(money(1)?, None, outside, "Member", Points::ZERO),
        case(money(600_000)?, None, in_promotion, "Member", Points::ZERO),
    ];
    for c in &cases {
        program
            .tier_named(c.tier)
            .ok_or_else(|| format!("no tier {}", c.tier))?;
    }
    Ok((program, cases))
}

fn evaluate_earn(c: &mut Criterion) {
    let (program, cases) = match cases() {
        Ok(setup) => setup,
        Err(error) => {
            eprintln!("earn_rules bench setup failed: {error}");
            std::process::exit(1);
        }
    };
    let tiers: Vec<_> = cases
        .iter()
        .filter_map(|c| program.tier_named(c.tier))
        .collect();
    let mut group = c.benchmark_group("earn_rules");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("evaluate_earn_mix", |b| {
        b.iter(|| {
            let mut total = 0i64;
            for (case, tier) in cases.iter().zip(&tiers) {
                let purchase = Purchase {
                    amount: case.amount.clone(),
                    category: case.category.as_ref(),
                    occurred_at: case.occurred_at,
                };
                if let Ok(earning) = black_box(&program).evaluate_earn(
                    black_box(&purchase),
                    tier,
                    None,
                    case.earned_today,
                ) {
                    total += earning.points().value() + earning.breakdown().len() as i64;
                }
            }
            black_box(total)
        });
    });
    group.finish();
}

criterion_group!(benches, evaluate_earn);
criterion_main!(benches);
