// The app's, the till's, the operator's and a partner's flows through the TypeScript client that
// openapi-typescript + openapi-fetch make of docs/openapi.yaml (scripts/clients.sh generates the
// types into .local/clients/typescript, compiles this with `tsc --strict` and runs it against
// the local stack).
//
// The compiler holds the flow to the generated types: a renamed field or a dropped operation
// does not compile. At run time a middleware checks every answer: its status must be one the
// operation documents, its body must validate against that response's schema in the document
// (the schema the generated type was made from), and every time in it must have exactly three
// fractional digits. The operations called are written to CLIENT_FLOW_CALLED, one operationId
// per line, so that scripts/clients.sh can check that the flows cover the whole document.
//
// Environment: BASE_URL, MEMBER_ID and MEMBER_TOKEN (a member not enrolled yet), TILL_TOKEN
// (scope loyalty/earn), ADMIN_TOKEN (scope loyalty/admin), OPENAPI_JSON (the document as
// JSON), CLIENT_FLOW_CALLED.

import { createHmac, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "../../.local/clients/typescript/schema.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

// --- the run-time check of every answer ---------------------------------------------------------

type Json = { [key: string]: unknown };
const doc = JSON.parse(readFileSync(env("OPENAPI_JSON"), "utf8")) as Json & {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, Json> }>>;
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS; under NodeNext its function is the module's default.
const addFormats = addFormatsModule as unknown as { default: (ajv: Ajv2020) => void };
addFormats.default(ajv);
ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
ajv.addSchema({ ...doc, $id: "openapi" });

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
const TIME = /"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))"/g;
const called = new Set<string>();

const conformance: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const method = request.method.toLowerCase();
    const operation = doc.paths[schemaPath]?.[method];
    if (!operation) throw new Error(`${request.method} ${schemaPath} is not in the document`);
    const name = operation.operationId;
    let answer = operation.responses[String(response.status)];
    if (!answer) throw new Error(`${name}: status ${response.status} is not documented`);
    let where = `#/${pointer("paths", schemaPath, method, "responses", String(response.status))}`;
    if (typeof answer.$ref === "string") {
      where = answer.$ref;
      answer = answer.$ref
        .slice(2)
        .split("/")
        .reduce((node: Json, key) => node[key] as Json, doc);
    }
    const text = await response.clone().text();
    if ((answer.content as Json | undefined)?.["application/json"]) {
      const validate = ajv.compile({ $ref: `openapi${where}/content/application~1json/schema` });
      if (!validate(JSON.parse(text))) {
        throw new Error(`${name}: the ${response.status} body does not fit its schema: ${ajv.errorsText(validate.errors)}: ${text}`);
      }
    }
    for (const [, stamp = ""] of text.matchAll(TIME)) {
      if (!/\.\d{3}Z$/.test(stamp)) throw new Error(`${name}: time ${stamp} does not have exactly three fractional digits`);
    }
    called.add(name);
    return undefined;
  },
};

const client = (headers: Record<string, string>, ...middleware: Middleware[]): Client<paths> => {
  const made = createClient<paths>({ baseUrl: env("BASE_URL"), headers });
  // openapi-fetch runs onResponse in reverse order: the conformance check sees the answer first.
  made.use(...middleware, conformance);
  return made;
};

// --- the expectations ------------------------------------------------------------------------------

type Answer<T, E> = { data?: T; error?: E; response: Response };

function fail(message: string): never {
  throw new Error(message);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

async function ok<T, E>(call: Promise<Answer<T, E>>, status: number, what: string): Promise<T> {
  const { data, error, response } = await call;
  check(response.status === status, `${what}: status ${response.status}, expected ${status}: ${JSON.stringify(error ?? data)}`);
  return data ?? fail(`${what}: no body`);
}

async function refused<T, E>(call: Promise<Answer<T, E>>, status: number, what: string): Promise<E> {
  const { data, error, response } = await call;
  check(response.status === status, `${what}: status ${response.status}, expected ${status}: ${JSON.stringify(error ?? data)}`);
  return error ?? fail(`${what}: no error body`);
}

// A partner's own code signs the exact bytes it sends (Standard Webhooks).
const signing = (secret: string): Middleware => ({
  async onRequest({ request }) {
    const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
    const body = await request.clone().text();
    const id = request.headers.get("webhook-id");
    const timestamp = request.headers.get("webhook-timestamp");
    const digest = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
    request.headers.set("webhook-signature", `v1,${digest}`);
    return request;
  },
});

// --- the flows -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const memberId = env("MEMBER_ID");
  const run = randomUUID().replaceAll("-", "").slice(0, 12);
  const member = client({ authorization: `Bearer ${env("MEMBER_TOKEN")}` });
  const till = client({ authorization: `Bearer ${env("TILL_TOKEN")}` });
  const admin = client({ authorization: `Bearer ${env("ADMIN_TOKEN")}` });
  const now = Date.now();
  const at = (days: number) => new Date(now + days * 86_400_000).toISOString();

  // operator: the programme, a reward, a partner
  const program = await ok(admin.GET("/v1/program"), 200, "getProgram");
  const replaced = await ok(admin.PUT("/v1/program", { body: program }), 200, "putProgram");
  check(JSON.stringify(replaced) === JSON.stringify(program), "putProgram did not answer the programme it was given");
  const topTier = program.tiers[program.tiers.length - 1]?.name ?? fail("the programme has no tiers");

  const rewardId = `ts-flow-${run}`;
  const reward = await ok(
    admin.PUT("/v1/rewards/{rewardId}", { params: { path: { rewardId } }, body: { name: "Flow coffee", cost: 100, stock: 5 } }),
    200,
    "putReward",
  );
  check(reward.cost === 100, `putReward answered cost ${reward.cost}`);
  const priceyId = `ts-flow-pricey-${run}`;
  await ok(
    admin.PUT("/v1/rewards/{rewardId}", { params: { path: { rewardId: priceyId } }, body: { name: "Flow espresso machine", cost: 10_000_000 } }),
    200,
    "putReward",
  );

  const partnerId = `ts-flow-${run}`;
  const partnerPath = { params: { path: { partnerId } } };
  const created = await ok(admin.PUT("/v1/partners/{partnerId}", { ...partnerPath, body: { name: "Flow cinema" } }), 201, "putPartner");
  check("secret" in created, "putPartner: a new partner's answer has no secret");
  const second = await ok(admin.POST("/v1/partners/{partnerId}/secrets", partnerPath), 201, "addPartnerSecret");
  const retired = await ok(
    admin.DELETE("/v1/partners/{partnerId}/secrets/{secretId}", { params: { path: { partnerId, secretId: second.secretId } } }),
    200,
    "retirePartnerSecret",
  );
  check(
    JSON.stringify(retired.secrets.map((s) => s.secretId)) === JSON.stringify([created.secretId]),
    "retirePartnerSecret left other secrets than the first",
  );

  // member: enrol
  const enrolled = await ok(member.POST("/v1/members", { body: { displayName: "Flow" } }), 201, "enrolMember");
  check(enrolled.memberId === memberId && enrolled.balance === 0, `enrolMember: not a new member: ${JSON.stringify(enrolled)}`);
  const referrals = await ok(member.GET("/v1/members/me/referrals"), 200, "getMyReferrals");
  check(
    referrals.referralCode === enrolled.referralCode && referrals.referralCode?.length === 8,
    `getMyReferrals: the code is not the member's own: ${JSON.stringify(referrals)}`,
  );
  check(referrals.referred === 0 && referrals.pointsEarned === 0, `getMyReferrals: ${JSON.stringify(referrals)}`);
  await ok(member.GET("/v1/members/me"), 200, "getMe");
  const updated = await ok(
    member.PATCH("/v1/members/me", {
      params: { header: { "idempotency-key": `ts-flow-profile-${run}` } },
      body: { displayName: "Flow Birthday", birthday: "02-29" },
    }),
    200,
    "updateMe",
  );
  check(updated.birthday === "02-29", `updateMe answered birthday ${JSON.stringify(updated.birthday)}`);
  const consented = await ok(
    member.PUT("/v1/members/me/consents", {
      params: { header: { "idempotency-key": `ts-flow-consents-${run}` } },
      body: { marketing: true },
    }),
    200,
    "setMyConsents",
  );
  check(
    consented.consents.marketing === true && consented.status === "active",
    `setMyConsents: ${JSON.stringify([consented.consents, consented.status])}`,
  );
  const reread = await ok(member.GET("/v1/members/me"), 200, "getMe");
  check(
    reread.birthday === "02-29" && reread.displayName === "Flow Birthday",
    `getMe after updateMe: ${JSON.stringify([reread.birthday, reread.displayName])}`,
  );

  // operator: a targeted offer for everyone; member: sees it and activates it
  const targetedOfferId = `ts-flow-${run}`;
  const targetedPath = { params: { path: { offerId: targetedOfferId } } };
  const targeted = await ok(
    admin.PUT("/v1/offers/{offerId}", {
      ...targetedPath,
      body: {
        title: "Flow welcome bonus",
        bonus: { fixedPoints: 25 },
        validFrom: at(-1),
        validTo: at(30),
        requiresActivation: true,
        perMemberLimit: 3,
        budgetPoints: 1000,
      },
    }),
    201,
    "putOffer",
  );
  check(targeted.budgetUsed === 0 && targeted.active && targeted.audience === undefined, `putOffer: ${JSON.stringify(targeted)}`);
  const targetedOffers = await ok(admin.GET("/v1/offers"), 200, "listOffers");
  check(targetedOffers.items.some((o) => o.offerId === targetedOfferId), "listOffers: the new offer is missing");
  // The member function keeps the offer set for up to 30 s: a new offer shows within that.
  let myOffers = await ok(member.GET("/v1/members/me/offers"), 200, "listMyOffers");
  for (let i = 0; i < 40 && !myOffers.items.some((o) => o.offerId === targetedOfferId); i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    myOffers = await ok(member.GET("/v1/members/me/offers"), 200, "listMyOffers");
  }
  const mine = myOffers.items.find((o) => o.offerId === targetedOfferId);
  check(
    mine !== undefined && mine.requiresActivation && !mine.activated && mine.usesLeft === 3,
    `listMyOffers: ${JSON.stringify(myOffers)}`,
  );
  const activation = await ok(member.POST("/v1/members/me/offers/{offerId}/activate", targetedPath), 200, "activateMyOffer");
  check(activation.offerId === targetedOfferId && activation.activated, `activateMyOffer: ${JSON.stringify(activation)}`);
  const notMine = await refused(
    member.POST("/v1/members/me/offers/{offerId}/activate", { params: { path: { offerId: `ts-flow-none-${run}` } } }),
    404,
    "activateMyOffer",
  );
  check(notMine.error.code === "not_found", `activateMyOffer of no offer: ${JSON.stringify(notMine)}`);

  // till: earn; operator: adjust, tier floor
  const transactionId = `ts-flow-${run}`;
  const memberPath = { path: { memberId } };
  const earned = await ok(
    till.POST("/v1/members/{memberId}/earn", { params: memberPath, body: { transactionId, amount: { amount: 2500, currency: "EUR" } } }),
    201,
    "earnPoints",
  );
  check(earned.points > 0 && earned.balance === earned.points, `earnPoints: ${JSON.stringify(earned)}`);
  check(
    earned.breakdown.some((line) => line.rule === `offer:${targetedOfferId}` && line.points === 25),
    `earnPoints: no 25-point offer:${targetedOfferId} line: ${JSON.stringify(earned)}`,
  );
  const drawn = await ok(admin.GET("/v1/offers"), 200, "listOffers");
  check(
    JSON.stringify(drawn.items.filter((o) => o.offerId === targetedOfferId).map((o) => o.budgetUsed)) === "[25]",
    `listOffers after the earn: ${JSON.stringify(drawn)}`,
  );
  const cards = await ok(member.GET("/v1/members/me/stamps"), 200, "listMyStamps");
  check(
    JSON.stringify(cards.cards.map((c) => c.cardId)) === JSON.stringify((program.stampCards ?? []).map((c) => c.cardId)),
    `listMyStamps: not the programme's cards: ${JSON.stringify(cards)}`,
  );
  const adjusted = await ok(
    admin.POST("/v1/members/{memberId}/adjustments", {
      params: { ...memberPath, header: { "idempotency-key": `ts-flow-adjust-${run}` } },
      body: { points: 500, reason: "Welcome gift" },
    }),
    201,
    "adjustPoints",
  );
  check(adjusted.balance === earned.balance + 500, `adjustPoints: balance ${adjusted.balance}`);
  const floor = await ok(
    admin.PUT("/v1/members/{memberId}/tier-floor", {
      params: { ...memberPath, header: { "idempotency-key": `ts-flow-floor-${run}` } },
      body: { tier: topTier, until: at(30), reason: "Status match" },
    }),
    200,
    "setTierFloor",
  );
  check(floor.tier === topTier, `setTierFloor: tier ${floor.tier}`);
  await ok(admin.GET("/v1/members/{memberId}", { params: memberPath }), 200, "getMember");
  await ok(admin.GET("/v1/members/{memberId}/activity", { params: memberPath }), 200, "listMemberActivity");
  // The floor raised the member's tier: its TierChanged carries the consent given above.
  const memberEvents = await ok(admin.GET("/v1/members/{memberId}/events", { params: memberPath }), 200, "listMemberEvents");
  check(
    memberEvents.items.some((e) => e.type === "TierChanged" && e.detail.marketingConsent === true),
    `listMemberEvents: no TierChanged with the consent: ${JSON.stringify(memberEvents)}`,
  );

  // commerce backend: a verified review, sent twice; member: its challenges
  const review = { actionId: `ts-flow-review-${run}`, action: "review" };
  const action = await ok(till.POST("/v1/members/{memberId}/actions", { params: memberPath, body: review }), 201, "reportAction");
  check(
    action.points > 0 && action.action === "review" && action.balance === adjusted.balance + action.points,
    `reportAction: ${JSON.stringify(action)}`,
  );
  const replayed = await ok(till.POST("/v1/members/{memberId}/actions", { params: memberPath, body: review }), 201, "reportAction");
  check(replayed.entryId === action.entryId, `reportAction again: ${JSON.stringify(replayed)} after ${JSON.stringify(action)}`);
  const challenges = await ok(member.GET("/v1/members/me/challenges"), 200, "listMyChallenges");
  check(Array.isArray(challenges.items), `listMyChallenges: ${JSON.stringify(challenges)}`);

  // billing system: a paid membership, shown to the member, then ended
  const membership = await ok(
    admin.PUT("/v1/members/{memberId}/membership", {
      params: { ...memberPath, header: { "idempotency-key": `ts-flow-membership-${run}` } },
      body: { planId: "plus", until: at(30), reference: `inv-${run}` },
    }),
    200,
    "setMembership",
  );
  check(membership.membership.planId === "plus", `setMembership: ${JSON.stringify(membership)}`);
  const subscribed = await ok(member.GET("/v1/members/me"), 200, "getMe");
  check(
    subscribed.membership !== null && Array.isArray(subscribed.badges),
    `getMe with a membership: ${JSON.stringify(subscribed)}`,
  );
  const ended = await ok(
    admin.DELETE("/v1/members/{memberId}/membership", {
      params: { ...memberPath, header: { "idempotency-key": `ts-flow-membership-end-${run}` } },
    }),
    200,
    "endMembership",
  );
  // openapi-fetch's Readable<> drops a property whose only type is null from the answer's type:
  // the run-time check above holds `membership: null` to the schema, this reads it back.
  const endedMembership = (ended as { membership?: unknown }).membership;
  check(endedMembership === null && ended.ended, `endMembership: ${JSON.stringify(ended)}`);

  // operator: a member brought from another engine; sent again, it is skipped
  const importedId = `ts-import-${run}`;
  const batch = {
    members: [
      {
        memberId: importedId,
        displayName: "Imported",
        enrolledAt: "2024-01-01T00:00:00Z",
        tier: topTier,
        lots: [{ points: 300, expiresAt: at(200) }],
        pendingPoints: [{ points: 20, availableAt: at(5) }],
      },
    ],
  };
  const firstImport = await ok(admin.POST("/v1/imports/members", { body: batch }), 200, "importMembers");
  check(
    firstImport.imported === 1 && firstImport.skipped === 0 && firstImport.errors.length === 0,
    `importMembers: ${JSON.stringify(firstImport)}`,
  );
  const rerun = await ok(admin.POST("/v1/imports/members", { body: batch }), 200, "importMembers");
  check(rerun.imported === 0 && rerun.skipped === 1, `importMembers again: ${JSON.stringify(rerun)}`);
  const importedMember = await ok(admin.GET("/v1/members/{memberId}", { params: { path: { memberId: importedId } } }), 200, "getMember");
  check(
    importedMember.balance === 300 && importedMember.pendingPoints === 20 && importedMember.tier.name === topTier,
    `getMember of the imported member: ${JSON.stringify(importedMember)}`,
  );

  // partner: an offer and a purchase, signed
  const partner = client({}, signing(created.secret));
  const offerId = `offer-${run}`;
  const events = [
    {
      type: "offer.upserted" as const,
      data: { offerId, title: "Film night", bonus: { fixedPoints: 50 }, validFrom: at(-1), validTo: at(30) },
    },
    {
      type: "purchase.completed" as const,
      data: { memberId, partnerTransactionId: `ticket-${run}`, amount: { amount: 1200, currency: "EUR" }, occurredAt: at(0) },
    },
  ];
  let points: number | undefined;
  for (const [number, body] of events.entries()) {
    const header = {
      "webhook-id": `msg-${run}-${number}`,
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": "v1,signed-by-the-middleware",
    };
    const result = await ok(partner.POST("/v1/partners/{partnerId}/webhooks", { params: { header, path: { partnerId } }, body }), 200, "receivePartnerWebhook");
    check(result.status === "processed", `receivePartnerWebhook: ${JSON.stringify(result)}`);
    points = result.points;
  }
  check(points === 50, `the purchase earned ${points} partner points, not 50`);
  const statement = await ok(
    admin.GET("/v1/partners/{partnerId}/statement", { params: { path: { partnerId }, query: { from: at(-1), to: at(1) } } }),
    200,
    "getPartnerStatement",
  );
  check(statement.pointsIssued === 50 && statement.purchases === 1, `statement: ${JSON.stringify(statement)}`);
  await ok(admin.GET("/v1/partners/{partnerId}", partnerPath), 200, "getPartner");

  // member: rewards, redeem twice, cancel one; a refusal comes back as the Error model
  const rewards = await ok(member.GET("/v1/rewards"), 200, "listRewards");
  check(rewards.items.some((item) => item.rewardId === rewardId), "listRewards: the new reward is missing");
  const redeem = (key: string, id: string) =>
    member.POST("/v1/members/me/redemptions", { params: { header: { "idempotency-key": `ts-flow-${key}-${run}` } }, body: { rewardId: id } });
  const first = await ok(redeem("redeem-1", rewardId), 201, "redeemReward");
  const secondRedemption = await ok(redeem("redeem-2", rewardId), 201, "redeemReward");
  const refusal = await refused(redeem("redeem-3", priceyId), 422, "redeemReward");
  check(refusal.error.code === "insufficient_points", `redeemReward: ${JSON.stringify(refusal)}`);
  const page = await ok(member.GET("/v1/members/me/redemptions"), 200, "listMyRedemptions");
  check(page.items.length === 2, `listMyRedemptions: ${page.items.length} redemptions, expected 2`);
  const cancelled = await ok(
    member.POST("/v1/members/me/redemptions/{redemptionId}/cancel", {
      params: { path: { redemptionId: secondRedemption.redemptionId }, header: { "idempotency-key": `ts-flow-cancel-${run}` } },
    }),
    200,
    "cancelRedemption",
  );
  check(cancelled.balance === first.balance, `cancelRedemption: balance ${cancelled.balance}`);

  // till: the voucher; reverse the purchase
  const code = { path: { code: first.code } };
  const voucher = await ok(till.GET("/v1/vouchers/{code}", { params: code }), 200, "lookupVoucher");
  check(voucher.status === "issued", `lookupVoucher: ${JSON.stringify(voucher)}`);
  const used = await ok(
    till.POST("/v1/vouchers/{code}/use", { params: { ...code, header: { "idempotency-key": `ts-flow-use-${run}` } } }),
    200,
    "useVoucher",
  );
  check(used.status === "used", `useVoucher: ${JSON.stringify(used)}`);
  const missing = await refused(till.GET("/v1/vouchers/{code}", { params: { path: { code: "0000000000000" } } }), 404, "lookupVoucher");
  check(missing.error.code === "not_found", `lookupVoucher of no voucher: ${JSON.stringify(missing)}`);
  const reversal = await ok(
    till.POST("/v1/members/{memberId}/earn/{transactionId}/reverse", {
      params: { path: { memberId, transactionId }, header: { "idempotency-key": `ts-flow-reverse-${run}` } },
      body: {},
    }),
    201,
    "reverseEarn",
  );
  check(reversal.points === -earned.points, `reverseEarn: ${JSON.stringify(reversal)}`);

  // member: the history adds up
  const me = await ok(member.GET("/v1/members/me"), 200, "getMe");
  const activity = await ok(member.GET("/v1/members/me/activity", { params: { query: { limit: 100 } } }), 200, "listMyActivity");
  // The ledger adds up to every point held, spendable and pending (none in the demo programme).
  const held = me.balance + me.pendingPoints;
  check(me.pendingPoints === me.pending.reduce((sum, p) => sum + p.points, 0), `getMe: pending ${JSON.stringify(me)}`);
  check(activity.items[0]?.balanceAfter === held, "the newest entry's balanceAfter is not the points held");
  check(activity.items.reduce((sum, entry) => sum + entry.points, 0) === held, "the entries do not add up to the points held");
  const kinds = [...new Set(activity.items.map((entry) => entry.type))].sort();
  check(
    JSON.stringify(kinds) === JSON.stringify(["action_bonus", "adjust", "earn", "partner_bonus", "redeem", "refund", "reverse"]),
    `listMyActivity: entry types ${kinds}`,
  );

  // operator: the programme's figures, and the journal that must match them
  const range = {
    from: new Date(now - 86_400_000).toISOString().slice(0, 10),
    to: new Date(now).toISOString().slice(0, 10),
  };
  const metrics = await ok(admin.GET("/v1/metrics", { params: { query: range } }), 200, "getMetrics");
  const [dayBefore, day] = [metrics.days.at(-2), metrics.days.at(-1)];
  check(dayBefore !== undefined && day !== undefined, `getMetrics: days ${JSON.stringify(metrics.days)}`);
  check((day.issued["earn"] ?? 0) >= earned.points, `getMetrics: issued ${JSON.stringify(day.issued)}`);
  check(metrics.current.liability === day.liability, "getMetrics: today's closing liability is not the current one");
  const journal = await ok(
    admin.GET("/v1/metrics/journal", { params: { query: range }, parseAs: "text" }),
    200,
    "getMetricsJournal",
  );
  const [header, ...rows] = journal.trimEnd().split("\r\n");
  check(header === "date,type,points", `getMetricsJournal: header ${header}`);
  const moved = rows
    .map((row) => row.split(","))
    .filter(([date]) => date === day.date)
    .reduce((sum, [, , points]) => sum + Number(points), 0);
  check(moved === day.liability - dayBefore.liability, `getMetricsJournal: ${day.date} moves ${moved}, not the liability's change`);

  // operator: reconcile the figures with every member's balance, a page at a time
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const query = cursor === undefined ? { limit: 2 } : { limit: 2, cursor };
    const page = await ok(admin.GET("/v1/metrics/reconciliation", { params: { query } }), 200, "getMetricsReconciliation");
    pages += 1;
    if (page.complete) {
      check(page.membersChecked === page.members, `reconciliation: ${JSON.stringify(page)}`);
      check(page.difference === 0 && page.changedDuringRun === 0, `reconciliation: ${JSON.stringify(page)}`);
      break;
    }
    check(typeof page.nextCursor === "string" && pages < 1000, `getMetricsReconciliation: no cursor after ${pages} pages`);
    cursor = page.nextCursor;
  }

  // member: everything held about it, then its erasure (an operator's retry answers the same)
  const exported = await ok(member.GET("/v1/members/me/export"), 200, "exportMe");
  check(exported.ledger.length === activity.items.length, `exportMe: ${exported.ledger.length} ledger entries`);
  check(exported.profile.balance === me.balance, `exportMe: profile ${JSON.stringify(exported.profile)}`);
  const theirs = await ok(admin.GET("/v1/members/{memberId}/export", { params: { path: { memberId } } }), 200, "exportMember");
  check(theirs.profile.memberId === memberId, "exportMember: another member's export");
  const erased = await ok(member.DELETE("/v1/members/me"), 200, "eraseMe");
  check(erased.pointsForfeited === held, `eraseMe: ${JSON.stringify(erased)}, the member held ${held}`);
  const again = await ok(
    admin.DELETE("/v1/members/{memberId}", { params: { path: { memberId } }, body: { reason: "client flow: the operator's retry" } }),
    200,
    "eraseMember",
  );
  check(again.pointsForfeited === erased.pointsForfeited, `eraseMember: ${JSON.stringify(again)}`);
  await refused(member.GET("/v1/members/me"), 404, "getMe after the erasure");

  writeFileSync(env("CLIENT_FLOW_CALLED"), [...called].sort().map((name) => `${name}\n`).join(""));
  console.log(`typescript flow: OK (${called.size} operations; member ${memberId}, balance ${me.balance})`);
}

main().catch((error: unknown) => {
  console.error(`typescript flow: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
