//! A partner's settlement statement: the points issued on its behalf over a period, in total
//! and by offer, added up line by line as they are read (a busy partner's period holds more
//! lines than one function should keep in memory).

use std::collections::BTreeMap;

use super::identifier::OfferId;
use super::points::Points;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    pub points: Points,
    pub purchases: usize,
    pub by_offer: BTreeMap<OfferId, Points>,
}

impl Statement {
    /// Adds one line; `None` on overflow.
    pub fn add(&mut self, points: Points, by_offer: &[(OfferId, Points)]) -> Option<()> {
        self.points = self.points.checked_add(points)?;
        self.purchases += 1;
        for (offer, points) in by_offer {
            let sum = self.by_offer.entry(offer.clone()).or_default();
            *sum = sum.checked_add(*points)?;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_add_up_in_total_and_by_offer() {
        let p = |v| Points::new(v).unwrap();
        let (a, b) = (
            OfferId::try_from("a").unwrap(),
            OfferId::try_from("b").unwrap(),
        );
        let mut statement = Statement::default();
        statement
            .add(p(30), &[(a.clone(), p(10)), (b.clone(), p(20))])
            .unwrap();
        statement.add(p(5), &[(a.clone(), p(5))]).unwrap();
        assert_eq!(statement.points, p(35));
        assert_eq!(statement.purchases, 2);
        assert_eq!(statement.by_offer[&a], p(15));
        assert_eq!(statement.by_offer[&b], p(20));
        let mut full = Statement {
            points: p(1_000_000_000_000),
            ..Default::default()
        };
        assert!(full.add(p(1), &[]).is_none());
    }
}
