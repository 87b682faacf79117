//! `GET /v1/metrics?from=&to=` and `GET /v1/metrics/journal?from=&to=`: the programme's
//! figures per UTC day, exact (written in the transactions that move the points) and read in
//! one query per figures shard, whatever the number of members.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::metrics::{DayRange, Days, Report, Totals, journal, utc_day};
use loyalty::http::{ApiError, ApiRequest, Operator, csv, json};
use time::Date;

pub async fn get(
    context: &Context,
    request: &ApiRequest,
    _operator: Operator,
) -> Result<Response<Body>, ApiError> {
    let figures = Figures::read(context, request).await?;
    let report = Report::new(figures.range, figures.today, &figures.days, figures.totals);
    json(StatusCode::OK, &report)
}

pub async fn journal_csv(
    context: &Context,
    request: &ApiRequest,
    _operator: Operator,
) -> Result<Response<Body>, ApiError> {
    let figures = Figures::read(context, request).await?;
    let header = ["date", "type", "points"].map(String::from).to_vec();
    let rows = journal(figures.range, figures.today, &figures.days)
        .into_iter()
        .map(|(day, kind, points)| vec![day.to_string(), kind, points.to_string()]);
    csv(&std::iter::once(header).chain(rows).collect::<Vec<_>>())
}

/// The range asked for and the counters that cover it, as of today.
struct Figures {
    range: DayRange,
    today: Date,
    days: Days,
    totals: Totals,
}

impl Figures {
    async fn read(context: &Context, request: &ApiRequest) -> Result<Self, ApiError> {
        let range = range(request)?;
        let today = utc_day(context.clock.now());
        let (days, totals) = context.store.metrics(range.first_day_read(today)).await?;
        Ok(Self {
            range,
            today,
            days,
            totals,
        })
    }
}

fn range(request: &ApiRequest) -> Result<DayRange, ApiError> {
    let date = |name: &str| {
        request
            .query(name)
            .ok_or_else(|| ApiError::invalid(format!("{name} is required (YYYY-MM-DD)")))
    };
    Ok(DayRange::parse(&date("from")?, &date("to")?)?)
}
