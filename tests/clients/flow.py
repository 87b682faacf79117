"""The app's, the till's, the operator's and a partner's flows through the Python client that
openapi-python-client generates from docs/openapi.yaml (scripts/clients.sh generates it into
.local/clients/python and runs this against the local stack).

Every answer must come back with the status the flow expects and parse into the generated
model for it (an error into `Error`); a time anywhere in a body must have exactly three
fractional digits. The operations called are written to the file named by
CLIENT_FLOW_CALLED, one operationId per line, so that scripts/clients.sh can check that the
flows cover every operation in the document.

Environment: BASE_URL, MEMBER_ID and MEMBER_TOKEN (a member not enrolled yet), TILL_TOKEN
(scope loyalty/earn), ADMIN_TOKEN (scope loyalty/admin), CLIENT_FLOW_CALLED.
"""

import base64
import datetime
import hashlib
import hmac
import os
import re
import sys
import time
import uuid
from http import HTTPStatus

import httpx
from loyalty_client import AuthenticatedClient, Client
from loyalty_client.api.earning import adjust_points, earn_points, report_action, reverse_earn
from loyalty_client.api.members import (
    end_membership,
    enrol_member,
    get_me,
    get_member,
    get_my_referrals,
    import_members,
    list_member_activity,
    list_member_events,
    list_my_activity,
    list_my_challenges,
    list_my_stamps,
    set_membership,
    set_my_consents,
    set_tier_floor,
    update_me,
)
from loyalty_client.api.metrics import get_metrics, get_metrics_journal, get_metrics_reconciliation
from loyalty_client.api.offers import activate_my_offer, list_my_offers, list_offers, put_offer
from loyalty_client.api.partners import (
    add_partner_secret,
    get_partner,
    get_partner_statement,
    put_partner,
    retire_partner_secret,
)
from loyalty_client.api.privacy import erase_me, erase_member, export_me, export_member
from loyalty_client.api.program import get_program, put_program
from loyalty_client.api.redemptions import cancel_redemption, list_my_redemptions, redeem_reward
from loyalty_client.api.rewards import list_rewards, put_reward
from loyalty_client.api.vouchers import lookup_voucher, use_voucher
from loyalty_client.api.webhooks import receive_partner_webhook
from loyalty_client.models import (
    ActionRequest,
    ActionResult,
    ActivityPage,
    AdjustmentRequest,
    CancellationResult,
    ChallengeList,
    Consents,
    EarnRequest,
    EarnRequestAmount,
    EarnResult,
    EnrolRequest,
    EntryWithBalance,
    Erased,
    ErasureRequest,
    Error,
    EventsPage,
    ImportedLot,
    ImportedMember,
    ImportedPending,
    ImportMembersReply,
    ImportMembersRequest,
    Member,
    MemberExport,
    MemberOfferList,
    MembershipEndResult,
    MembershipRequest,
    MembershipResult,
    MetricsReport,
    Money,
    OfferActivation,
    OfferBonus,
    OfferUpserted,
    OfferUpsertedEvent,
    Partner,
    PartnerCreated,
    PartnerRequest,
    PartnerSecretIssued,
    PartnerStatement,
    Program,
    PurchaseCompleted,
    PurchaseCompletedEvent,
    Reconciliation,
    RedeemRequest,
    RedemptionPage,
    RedemptionResult,
    Referrals,
    ReversalResult,
    ReverseRequest,
    Reward,
    RewardList,
    RewardRequest,
    StampCardList,
    TargetedOffer,
    TargetedOfferList,
    TargetedOfferRequest,
    TierFloorRequest,
    TierFloorResult,
    UpdateMeRequest,
    Voucher,
    WebhookResult,
)

TIME = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))"')
THREE_DIGITS = re.compile(r"\.\d{3}Z$")

called: set[str] = set()


def fail(message: str) -> None:
    print(f"python flow: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def call(operation, expected: HTTPStatus, model, **kwargs):
    """Calls one generated operation and returns its parsed answer, or fails the flow."""
    name = operation.__name__.rsplit(".", 1)[-1]
    response = operation.sync_detailed(**kwargs)
    if response.status_code != expected:
        fail(f"{name}: status {int(response.status_code)}, expected {int(expected)}: {response.content!r}")
    if not isinstance(response.parsed, model):
        fail(f"{name}: the answer did not parse into {model.__name__}: {response.content!r}")
    for stamp in TIME.findall(response.content.decode()):
        if not THREE_DIGITS.search(stamp):
            fail(f"{name}: time {stamp} does not have exactly three fractional digits")
    # The document's operationId, from the generated module's name (enrol_member -> enrolMember).
    head, *rest = name.split("_")
    called.add(head + "".join(word.capitalize() for word in rest))
    return response.parsed


def check(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def signing_hook(secret: str):
    """An httpx request hook that signs the body as it goes out (Standard Webhooks), as a
    partner's own code would: the signature covers the exact bytes sent."""
    key = base64.b64decode(secret.removeprefix("whsec_"))

    def sign(request: httpx.Request) -> None:
        body = request.read()
        message = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + body
        digest = hmac.new(key, message, hashlib.sha256).digest()
        request.headers["webhook-signature"] = "v1," + base64.b64encode(digest).decode()

    return sign


def main() -> None:
    base_url = os.environ["BASE_URL"]
    member_id = os.environ["MEMBER_ID"]
    run = uuid.uuid4().hex[:12]
    member = AuthenticatedClient(base_url=base_url, token=os.environ["MEMBER_TOKEN"])
    till = AuthenticatedClient(base_url=base_url, token=os.environ["TILL_TOKEN"])
    admin = AuthenticatedClient(base_url=base_url, token=os.environ["ADMIN_TOKEN"])
    now = datetime.datetime.now(datetime.UTC)

    # --- operator: the programme, a reward, a partner -------------------------------------
    program = call(get_program, HTTPStatus.OK, Program, client=admin)
    replaced = call(put_program, HTTPStatus.OK, Program, client=admin, body=program)
    check(replaced.to_dict() == program.to_dict(), "putProgram did not answer the programme it was given")
    tier_names = [tier.name for tier in program.tiers]

    reward_id = f"py-flow-{run}"
    reward = call(
        put_reward,
        HTTPStatus.OK,
        Reward,
        client=admin,
        reward_id=reward_id,
        body=RewardRequest(name="Flow coffee", cost=100, stock=5),
    )
    check(reward.cost == 100, f"putReward answered cost {reward.cost}")
    pricey_id = f"py-flow-pricey-{run}"
    call(
        put_reward,
        HTTPStatus.OK,
        Reward,
        client=admin,
        reward_id=pricey_id,
        body=RewardRequest(name="Flow espresso machine", cost=10_000_000),
    )

    partner_id = f"py-flow-{run}"
    created = call(
        put_partner,
        HTTPStatus.CREATED,
        PartnerCreated,
        client=admin,
        partner_id=partner_id,
        body=PartnerRequest(name="Flow cinema"),
    )
    second = call(add_partner_secret, HTTPStatus.CREATED, PartnerSecretIssued, client=admin, partner_id=partner_id)
    retired = call(
        retire_partner_secret,
        HTTPStatus.OK,
        Partner,
        client=admin,
        partner_id=partner_id,
        secret_id=second.secret_id,
    )
    check(
        [s.secret_id for s in retired.secrets] == [created.secret_id],
        "retirePartnerSecret left other secrets than the first",
    )

    # --- member: enrol ---------------------------------------------------------------------
    enrolled = call(enrol_member, HTTPStatus.CREATED, Member, client=member, body=EnrolRequest(display_name="Flow"))
    check(enrolled.member_id == member_id and enrolled.balance == 0, "enrolMember: not a new member")
    call(get_me, HTTPStatus.OK, Member, client=member)
    referrals = call(get_my_referrals, HTTPStatus.OK, Referrals, client=member)
    check(
        referrals.referral_code == enrolled.referral_code and len(referrals.referral_code or "") == 8,
        f"getMyReferrals: the code is not the member's own: {referrals.to_dict()}",
    )
    check(referrals.referred == 0 and referrals.points_earned == 0, f"getMyReferrals: {referrals.to_dict()}")
    updated = call(
        update_me,
        HTTPStatus.OK,
        Member,
        client=member,
        body=UpdateMeRequest(display_name="Flow Birthday", birthday="02-29"),
        idempotency_key=f"py-flow-profile-{run}",
    )
    check(updated.birthday == "02-29", f"updateMe answered birthday {updated.birthday!r}")
    consented = call(
        set_my_consents,
        HTTPStatus.OK,
        Member,
        client=member,
        body=Consents(marketing=True),
        idempotency_key=f"py-flow-consents-{run}",
    )
    check(
        consented.consents.marketing and consented.status.value == "active",
        f"setMyConsents: {consented.consents.to_dict()}, {consented.status!r}",
    )
    again = call(get_me, HTTPStatus.OK, Member, client=member)
    check(
        again.birthday == "02-29" and again.display_name == "Flow Birthday",
        f"getMe after updateMe: {again.birthday!r}, {again.display_name!r}",
    )

    # --- operator: a targeted offer for everyone; member: sees it and activates it ------------
    targeted_id = f"py-flow-{run}"
    targeted = call(
        put_offer,
        HTTPStatus.CREATED,
        TargetedOffer,
        client=admin,
        offer_id=targeted_id,
        body=TargetedOfferRequest(
            title="Flow welcome bonus",
            bonus=OfferBonus(fixed_points=25),
            valid_from=now - datetime.timedelta(days=1),
            valid_to=now + datetime.timedelta(days=30),
            requires_activation=True,
            per_member_limit=3,
            budget_points=1000,
        ),
    )
    check(
        targeted.budget_used == 0 and targeted.active and "audience" not in targeted.to_dict(),
        f"putOffer: {targeted.to_dict()}",
    )
    targeted_offers = call(list_offers, HTTPStatus.OK, TargetedOfferList, client=admin)
    check(targeted_id in [o.offer_id for o in targeted_offers.items], "listOffers: the new offer is missing")
    # The member function keeps the offer set for up to 30 s: a new offer shows within that.
    for _ in range(40):
        my_offers = call(list_my_offers, HTTPStatus.OK, MemberOfferList, client=member)
        mine = next((o for o in my_offers.items if o.offer_id == targeted_id), None)
        if mine is not None:
            break
        time.sleep(1)
    check(
        mine is not None and mine.requires_activation and not mine.activated and mine.uses_left == 3,
        f"listMyOffers: {my_offers.to_dict()}",
    )
    activation = call(activate_my_offer, HTTPStatus.OK, OfferActivation, client=member, offer_id=targeted_id)
    check(activation.offer_id == targeted_id and activation.activated, f"activateMyOffer: {activation.to_dict()}")
    not_mine = call(activate_my_offer, HTTPStatus.NOT_FOUND, Error, client=member, offer_id=f"py-flow-none-{run}")
    check(not_mine.error.code == "not_found", f"activateMyOffer of no offer: {not_mine.to_dict()}")

    # --- till: earn; operator: adjust, tier floor --------------------------------------------
    transaction_id = f"py-flow-{run}"
    earned = call(
        earn_points,
        HTTPStatus.CREATED,
        EarnResult,
        client=till,
        member_id=member_id,
        body=EarnRequest(transaction_id=transaction_id, amount=EarnRequestAmount(amount=2500, currency="EUR")),
    )
    check(earned.points > 0 and earned.balance == earned.points, f"earnPoints: {earned.to_dict()}")
    check(
        any(line.rule == f"offer:{targeted_id}" and line.points == 25 for line in earned.breakdown),
        f"earnPoints: no 25-point offer:{targeted_id} line: {earned.to_dict()}",
    )
    drawn = call(list_offers, HTTPStatus.OK, TargetedOfferList, client=admin)
    check(
        [o.budget_used for o in drawn.items if o.offer_id == targeted_id] == [25],
        f"listOffers after the earn: {drawn.to_dict()}",
    )
    cards = call(list_my_stamps, HTTPStatus.OK, StampCardList, client=member)
    check(
        [c.card_id for c in cards.cards] == [c.card_id for c in (program.stamp_cards or [])],
        f"listMyStamps: not the programme's cards: {cards.to_dict()}",
    )
    adjusted = call(
        adjust_points,
        HTTPStatus.CREATED,
        EntryWithBalance,
        client=admin,
        member_id=member_id,
        idempotency_key=f"py-flow-adjust-{run}",
        body=AdjustmentRequest(points=500, reason="Welcome gift"),
    )
    check(adjusted.balance == earned.balance + 500, f"adjustPoints: balance {adjusted.balance}")
    floor = call(
        set_tier_floor,
        HTTPStatus.OK,
        TierFloorResult,
        client=admin,
        member_id=member_id,
        idempotency_key=f"py-flow-floor-{run}",
        body=TierFloorRequest(tier=tier_names[-1], until=now + datetime.timedelta(days=30), reason="Status match"),
    )
    check(floor.tier == tier_names[-1], f"setTierFloor: tier {floor.tier}")
    call(get_member, HTTPStatus.OK, Member, client=admin, member_id=member_id)
    call(list_member_activity, HTTPStatus.OK, ActivityPage, client=admin, member_id=member_id)
    # The floor raised the member's tier: its TierChanged carries the consent given above.
    member_events = call(list_member_events, HTTPStatus.OK, EventsPage, client=admin, member_id=member_id)
    check(
        any(e.type_.value == "TierChanged" and e.detail.marketing_consent for e in member_events.items),
        f"listMemberEvents: no TierChanged with the consent: {member_events.to_dict()}",
    )

    # --- commerce backend: a verified review, sent twice; member: its challenges ------------
    action_id = f"py-flow-review-{run}"
    review = ActionRequest(action_id=action_id, action="review")
    action = call(report_action, HTTPStatus.CREATED, ActionResult, client=till, member_id=member_id, body=review)
    check(
        action.points > 0 and action.action == "review" and action.balance == adjusted.balance + action.points,
        f"reportAction: {action.to_dict()}",
    )
    replayed = call(report_action, HTTPStatus.CREATED, ActionResult, client=till, member_id=member_id, body=review)
    check(replayed.entry_id == action.entry_id, f"reportAction again: {replayed.to_dict()} after {action.to_dict()}")
    challenges = call(list_my_challenges, HTTPStatus.OK, ChallengeList, client=member)
    check(isinstance(challenges.items, list), f"listMyChallenges: {challenges.to_dict()}")

    # --- billing system: a paid membership, shown to the member, then ended -----------------
    membership = call(
        set_membership,
        HTTPStatus.OK,
        MembershipResult,
        client=admin,
        member_id=member_id,
        idempotency_key=f"py-flow-membership-{run}",
        body=MembershipRequest(plan_id="plus", until=now + datetime.timedelta(days=30), reference=f"inv-{run}"),
    )
    check(membership.membership.plan_id == "plus", f"setMembership: {membership.to_dict()}")
    subscribed = call(get_me, HTTPStatus.OK, Member, client=member)
    check(
        subscribed.membership is not None and isinstance(subscribed.badges, list),
        f"getMe with a membership: {subscribed.to_dict()}",
    )
    ended = call(
        end_membership,
        HTTPStatus.OK,
        MembershipEndResult,
        client=admin,
        member_id=member_id,
        idempotency_key=f"py-flow-membership-end-{run}",
    )
    check(ended.membership is None and ended.ended, f"endMembership: {ended.to_dict()}")

    # --- operator: a member brought from another engine; sent again, it is skipped ---------
    imported_id = f"py-import-{run}"
    batch = ImportMembersRequest(
        members=[
            ImportedMember(
                member_id=imported_id,
                display_name="Imported",
                enrolled_at="2024-01-01T00:00:00Z",
                tier=tier_names[-1],
                lots=[ImportedLot(points=300, expires_at=(now + datetime.timedelta(days=200)).isoformat())],
                pending_points=[
                    ImportedPending(points=20, available_at=(now + datetime.timedelta(days=5)).isoformat())
                ],
            )
        ]
    )
    first_import = call(import_members, HTTPStatus.OK, ImportMembersReply, client=admin, body=batch)
    check(
        first_import.imported == 1 and first_import.skipped == 0 and not first_import.errors,
        f"importMembers: {first_import.to_dict()}",
    )
    rerun = call(import_members, HTTPStatus.OK, ImportMembersReply, client=admin, body=batch)
    check(rerun.imported == 0 and rerun.skipped == 1, f"importMembers again: {rerun.to_dict()}")
    imported = call(get_member, HTTPStatus.OK, Member, client=admin, member_id=imported_id)
    check(
        imported.balance == 300 and imported.pending_points == 20 and imported.tier.name == tier_names[-1],
        f"getMember of the imported member: {imported.to_dict()}",
    )

    # --- partner: an offer and a purchase, signed --------------------------------------------
    partner = Client(base_url=base_url, httpx_args={"event_hooks": {"request": [signing_hook(created.secret)]}})
    offer_id = f"offer-{run}"
    events = [
        OfferUpsertedEvent(
            type_="offer.upserted",
            data=OfferUpserted(
                offer_id=offer_id,
                title="Film night",
                bonus=OfferBonus(fixed_points=50),
                valid_from=now - datetime.timedelta(days=1),
                valid_to=now + datetime.timedelta(days=30),
            ),
        ),
        PurchaseCompletedEvent(
            type_="purchase.completed",
            data=PurchaseCompleted(
                member_id=member_id,
                partner_transaction_id=f"ticket-{run}",
                amount=Money(amount=1200, currency="EUR"),
                occurred_at=now,
            ),
        ),
    ]
    for number, event in enumerate(events):
        result = call(
            receive_partner_webhook,
            HTTPStatus.OK,
            WebhookResult,
            client=partner,
            partner_id=partner_id,
            webhook_id=f"msg-{run}-{number}",
            webhook_timestamp=str(int(time.time())),
            webhook_signature="v1,signed-by-the-hook",
            body=event,
        )
        check(result.status == "processed", f"receivePartnerWebhook: {result.to_dict()}")
    check(result.points == 50, f"the purchase earned {result.points} partner points, not 50")
    statement = call(
        get_partner_statement,
        HTTPStatus.OK,
        PartnerStatement,
        client=admin,
        partner_id=partner_id,
        from_=now - datetime.timedelta(days=1),
        to=now + datetime.timedelta(days=1),
    )
    check(statement.points_issued == 50 and statement.purchases == 1, f"statement: {statement.to_dict()}")
    call(get_partner, HTTPStatus.OK, Partner, client=admin, partner_id=partner_id)

    # --- member: rewards, redeem twice, cancel one; a refusal parses as Error ---------------
    rewards = call(list_rewards, HTTPStatus.OK, RewardList, client=member)
    check(reward_id in [item.reward_id for item in rewards.items], "listRewards: the new reward is missing")

    def redeem(number: int, reward: str, expected: HTTPStatus, model):
        return call(
            redeem_reward,
            expected,
            model,
            client=member,
            idempotency_key=f"py-flow-redeem-{number}-{run}",
            body=RedeemRequest(reward_id=reward),
        )

    first = redeem(1, reward_id, HTTPStatus.CREATED, RedemptionResult)
    second_redemption = redeem(2, reward_id, HTTPStatus.CREATED, RedemptionResult)
    refused = redeem(3, pricey_id, HTTPStatus.UNPROCESSABLE_ENTITY, Error)
    check(refused.error.code == "insufficient_points", f"redeemReward: {refused.to_dict()}")
    page = call(list_my_redemptions, HTTPStatus.OK, RedemptionPage, client=member)
    check(len(page.items) == 2, f"listMyRedemptions: {len(page.items)} redemptions, expected 2")
    cancelled = call(
        cancel_redemption,
        HTTPStatus.OK,
        CancellationResult,
        client=member,
        redemption_id=second_redemption.redemption_id,
        idempotency_key=f"py-flow-cancel-{run}",
    )
    check(cancelled.balance == first.balance, f"cancelRedemption: balance {cancelled.balance}")

    # --- till: the voucher; reverse the purchase ----------------------------------------------
    voucher = call(lookup_voucher, HTTPStatus.OK, Voucher, client=till, code=first.code)
    check(voucher.status == "issued", f"lookupVoucher: {voucher.to_dict()}")
    used = call(use_voucher, HTTPStatus.OK, Voucher, client=till, code=first.code, idempotency_key=f"py-flow-use-{run}")
    check(used.status == "used", f"useVoucher: {used.to_dict()}")
    missing = call(lookup_voucher, HTTPStatus.NOT_FOUND, Error, client=till, code="0000000000000")
    check(missing.error.code == "not_found", f"lookupVoucher of no voucher: {missing.to_dict()}")
    reversal = call(
        reverse_earn,
        HTTPStatus.CREATED,
        ReversalResult,
        client=till,
        member_id=member_id,
        transaction_id=transaction_id,
        idempotency_key=f"py-flow-reverse-{run}",
        body=ReverseRequest(),
    )
    check(reversal.points == -earned.points, f"reverseEarn: {reversal.to_dict()}")

    # --- member: the history adds up ----------------------------------------------------------
    me = call(get_me, HTTPStatus.OK, Member, client=member)
    activity = call(list_my_activity, HTTPStatus.OK, ActivityPage, client=member, limit=100)
    # The ledger adds up to every point held, spendable and pending (none in the demo programme).
    held = me.balance + me.pending_points
    check(me.pending_points == sum(p.points for p in me.pending), f"getMe: pending {me.to_dict()}")
    check(activity.items[0].balance_after == held, "the newest entry's balanceAfter is not the points held")
    check(sum(entry.points for entry in activity.items) == held, "the entries do not add up to the points held")
    kinds = sorted({str(entry.type_) for entry in activity.items})
    check(
        kinds == ["action_bonus", "adjust", "earn", "partner_bonus", "redeem", "refund", "reverse"],
        f"listMyActivity: entry types {kinds}",
    )

    # --- operator: the programme's figures, and the journal that must match them -------------
    today = datetime.datetime.now(datetime.UTC).date()
    span = {"from_": today - datetime.timedelta(days=1), "to": today}
    metrics = call(get_metrics, HTTPStatus.OK, MetricsReport, client=admin, **span)
    check(len(metrics.days) == 2, f"getMetrics: {len(metrics.days)} days, expected 2")
    day_before, day = metrics.days
    check(day.issued.additional_properties.get("earn", 0) >= earned.points, f"getMetrics: {day.issued.to_dict()}")
    check(metrics.current.liability == day.liability, "getMetrics: today's closing liability is not the current one")
    journal = call(get_metrics_journal, HTTPStatus.OK, str, client=admin, **span)
    header, *rows = journal.rstrip("\r\n").split("\r\n")
    check(header == "date,type,points", f"getMetricsJournal: header {header}")
    moved = sum(int(points) for date, _, points in (row.split(",") for row in rows) if date == day.date.isoformat())
    check(moved == day.liability - day_before.liability, f"getMetricsJournal: {day.date} moves {moved}")

    # --- operator: reconcile the figures with every member's balance, a page at a time ------
    cursor, pages = None, 0
    while True:
        page = call(
            get_metrics_reconciliation,
            HTTPStatus.OK,
            Reconciliation,
            client=admin,
            limit=2,
            **({"cursor": cursor} if cursor else {}),
        )
        pages += 1
        if page.complete:
            break
        cursor = page.next_cursor
        check(isinstance(cursor, str) and pages < 1_000, f"getMetricsReconciliation: no cursor after {pages} pages")
    check(page.members_checked == page.members, f"reconciliation: {page.to_dict()}")
    check(page.difference == 0 and page.changed_during_run == 0, f"reconciliation: {page.to_dict()}")

    # --- member: everything held about it, then its erasure (an operator's retry answers the same)
    exported = call(export_me, HTTPStatus.OK, MemberExport, client=member)
    check(len(exported.ledger) == len(activity.items), f"exportMe: {len(exported.ledger)} ledger entries")
    check(exported.profile.balance == me.balance, f"exportMe: profile {exported.profile.to_dict()}")
    theirs = call(export_member, HTTPStatus.OK, MemberExport, client=admin, member_id=member_id)
    check(theirs.profile.member_id == member_id, "exportMember: another member's export")
    erased = call(erase_me, HTTPStatus.OK, Erased, client=member)
    check(erased.points_forfeited == held, f"eraseMe: {erased.to_dict()}, the member held {held}")
    again = call(
        erase_member,
        HTTPStatus.OK,
        Erased,
        client=admin,
        member_id=member_id,
        body=ErasureRequest(reason="client flow: the operator's retry"),
    )
    check(again.to_dict() == erased.to_dict(), f"eraseMember: {again.to_dict()} after {erased.to_dict()}")
    call(get_me, HTTPStatus.NOT_FOUND, Error, client=member)

    with open(os.environ["CLIENT_FLOW_CALLED"], "w") as out:
        out.write("".join(f"{name}\n" for name in sorted(called)))
    print(f"python flow: OK ({len(called)} operations; member {member_id}, balance {me.balance})")


if __name__ == "__main__":
    main()
