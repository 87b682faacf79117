// Member lookup: the member, its ledger with each entry's breakdown, redemptions (from the
// operator's export), events, the paid membership and badges; actions: adjust points with a
// reason, set a tier floor, end a paid membership.
import { api, newKey } from "./api.js";
import { errorBox, field, h, num, signed, stat, table, when } from "./dom.js";

function breakdown(entry) {
  const lines = entry.breakdown || [];
  const parts = [];
  if (lines.length) parts.push(h("ul", { class: "breakdown" }, lines.map((l) => h("li", {}, `${l.rule}: ${signed(l.points)}`))));
  if (entry.reason) parts.push(h("div", { class: "reason" }, `Reason: ${entry.reason}`));
  if (entry.amount) parts.push(h("div", { class: "muted" }, `Amount: ${(entry.amount.amount / 100).toFixed(2)} ${entry.amount.currency}`));
  if (entry.availableAt) parts.push(h("div", { class: "muted" }, `Pending until ${when(entry.availableAt)}`));
  if (entry.expiresAt) parts.push(h("div", { class: "muted" }, `Expires ${when(entry.expiresAt)}`));
  return parts.length ? parts : "—";
}

function ledgerRows(items) {
  return items.map((e) => [
    when(e.occurredAt),
    h("span", { class: `type type-${e.type}` }, e.type),
    h("span", { class: e.points < 0 ? "neg" : "pos" }, signed(e.points)),
    num(e.balanceAfter),
    h("span", { class: "ref" }, e.reference),
    h("div", {}, breakdown(e)),
  ]);
}

function tierBlock(tier) {
  const next = tier.next;
  const progress = next
    ? h(
        "div",
        { class: "progress" },
        h("label", { for: "tier-progress" }, `${num(next.pointsNeeded)} qualifying points to ${next.name}`),
        h("progress", {
          id: "tier-progress",
          max: String(tier.qualifyingPoints + next.pointsNeeded),
          value: String(tier.qualifyingPoints),
        }),
      )
    : h("p", { class: "muted" }, "Top tier.");
  return h(
    "div",
    { class: "tier" },
    h("p", {}, `Tier ${tier.name} since ${when(tier.since)}; ${num(tier.qualifyingPoints)} qualifying points over ${tier.windowDays} days.`),
    progress,
    tier.reviewAt ? h("p", { class: "muted" }, `Next review ${when(tier.reviewAt)}`) : null,
    tier.floor ? h("p", {}, `Tier floor: at least ${tier.floor.tier} until ${when(tier.floor.until)}`) : null,
  );
}

// The paid membership running now (a billing system starts it; the console can only end it).
function membershipBlock(membership, endButton, status) {
  const text = membership
    ? `Paid membership: ${membership.name} (${membership.planId}), at least tier ${membership.tier} until ${when(membership.until)}.`
    : "No paid membership.";
  return h(
    "div",
    { class: "membership", id: "member-membership" },
    h("p", {}, text),
    membership ? endButton : null,
    status,
  );
}

function badgesBlock(badges) {
  return h(
    "div",
    { class: "badges", id: "member-badges" },
    h("span", { id: "badges-label", class: "badges-label" }, "Badges:"),
    badges.length
      ? h("ul", { class: "badge-list", role: "list", "aria-labelledby": "badges-label" }, badges.map((b) => h("li", {}, b)))
      : h("span", { class: "muted" }, "No badges yet."),
  );
}

export async function membersPage(section, [memberId]) {
  const idInput = h("input", {
    type: "search",
    name: "memberId",
    value: memberId || "",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    pattern: "[A-Za-z0-9_.:@\\-]{1,128}",
  });
  const search = h(
    "form",
    { class: "inline", role: "search", "aria-label": "Find a member" },
    field("Member id", idInput),
    h("button", { type: "submit" }, "Look up"),
  );
  search.addEventListener("submit", (e) => {
    e.preventDefault();
    const id = idInput.value.trim();
    if (location.hash === `#/members/${encodeURIComponent(id)}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
    else location.hash = `#/members/${encodeURIComponent(id)}`;
  });
  const out = h("div", { id: "member-out" });
  section.append(h("h1", { tabindex: "-1" }, memberId ? `Member ${memberId}` : "Member lookup"), search, out);
  if (!memberId) return;
  await showMember(out, memberId);
}

async function showMember(out, memberId) {
  out.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  const path = `/v1/members/${encodeURIComponent(memberId)}`;
  let member;
  let activity;
  try {
    [{ data: member }, { data: activity }] = await Promise.all([
      api("GET", path),
      api("GET", `${path}/activity`, { query: { limit: 25 } }),
    ]);
  } catch (err) {
    out.replaceChildren(err.status === 404 ? h("p", { class: "error", role: "alert" }, `No member ${memberId}.`) : errorBox(err));
    return;
  }

  const stats = h(
    "div",
    { class: "stats", id: "member-stats" },
    stat("Balance", h("span", { id: "member-balance" }, num(member.balance))),
    stat("Pending", num(member.pendingPoints)),
    stat("Lifetime", num(member.lifetimePoints)),
    stat("Status", member.status),
    stat("Last activity", when(member.lastActivityAt)),
  );
  const profile = h(
    "p",
    { class: "muted" },
    `${member.displayName || "(no name)"} · enrolled ${when(member.enrolledAt)} · marketing consent ${member.consents?.marketing ? "yes" : "no"}`,
  );
  const lots = table(
    "Points by expiry (lots)",
    ["Points", "Expire at"],
    (member.expiringPoints || []).map((l) => [num(l.points), when(l.expiresAt)]),
  );
  const pending = table(
    "Pending points",
    ["Points", "Spendable at"],
    (member.pending || []).map((p) => [num(p.points), when(p.availableAt)]),
    { empty: "none." },
  );

  // --- ledger, a page at a time
  const ledgerBody = h("div", { id: "ledger" });
  let cursor = activity.nextCursor;
  let items = activity.items || [];
  const more = h("button", { type: "button", class: "secondary" }, "Older entries");
  function drawLedger() {
    ledgerBody.replaceChildren(
      table("Ledger (newest first)", ["When", "Type", "Points", "Balance after", "Reference", "Breakdown"], ledgerRows(items)),
    );
    more.hidden = !cursor;
  }
  more.addEventListener("click", async () => {
    try {
      const { data } = await api("GET", `${path}/activity`, { query: { limit: 25, cursor } });
      items = items.concat(data.items || []);
      cursor = data.nextCursor;
      drawLedger();
    } catch (err) {
      ledgerBody.append(errorBox(err));
    }
  });
  drawLedger();

  // --- actions
  const adjustPoints = h("input", { type: "number", name: "points", step: "1", required: true, inputmode: "numeric" });
  const adjustReason = h("input", { type: "text", name: "reason", required: true, maxlength: "500" });
  const adjustStatus = h("div", { id: "adjust-status", "aria-live": "polite" });
  let adjustKey = newKey("console-adjust");
  let adjustBody = "";
  const adjust = h(
    "form",
    { id: "adjust-form", "aria-label": "Adjust points" },
    h("h2", {}, "Adjust points"),
    field("Points (negative to remove)", adjustPoints),
    field("Reason (kept on the ledger entry)", adjustReason, "For example: Support ticket 1234, missed stamp"),
    h("button", { type: "submit" }, "Adjust"),
    adjustStatus,
  );
  adjust.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { points: Number.parseInt(adjustPoints.value, 10), reason: adjustReason.value.trim() };
    if (!Number.isInteger(body.points) || body.points === 0) {
      adjustStatus.replaceChildren(h("div", { class: "error", role: "alert" }, "Enter a whole number of points other than 0."));
      return;
    }
    // The same form sent again (a retry after a lost answer) reuses its key: never adjusts twice.
    const bodyText = JSON.stringify(body);
    if (bodyText !== adjustBody) {
      adjustKey = newKey("console-adjust");
      adjustBody = bodyText;
    }
    adjustStatus.replaceChildren(h("p", { class: "muted" }, "Sending…"));
    try {
      const { data } = await api("POST", `${path}/adjustments`, { body, idempotencyKey: adjustKey });
      adjustBody = "";
      await showMember(out, memberId);
      out
        .querySelector("#adjust-status")
        ?.replaceChildren(
          h("p", { class: "ok", role: "status" }, `Adjusted ${signed(data.points)} points; balance now ${num(data.balance)}.`),
        );
    } catch (err) {
      adjustStatus.replaceChildren(errorBox(err));
    }
  });

  const floorTier = h("input", { type: "text", name: "tier", required: true, list: "tier-names" });
  const floorUntil = h("input", { type: "date", name: "until", required: true });
  const floorReason = h("input", { type: "text", name: "reason", required: true, maxlength: "500" });
  const floorStatus = h("div", { "aria-live": "polite" });
  const tierNames = h("datalist", { id: "tier-names" });
  const floor = h(
    "form",
    { id: "floor-form", "aria-label": "Set a tier floor" },
    h("h2", {}, "Tier floor"),
    field("Tier (at least)", floorTier),
    field("Until (date, UTC)", floorUntil),
    field("Reason", floorReason),
    tierNames,
    h("button", { type: "submit" }, "Set floor"),
    floorStatus,
  );
  api("GET", "/v1/program")
    .then(({ data }) => {
      for (const t of data?.tiers || []) tierNames.append(h("option", { value: t.name }));
    })
    .catch(() => {});
  floor.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { tier: floorTier.value.trim(), until: `${floorUntil.value}T00:00:00Z`, reason: floorReason.value.trim() };
    try {
      const { data } = await api("PUT", `${path}/tier-floor`, { body, idempotencyKey: newKey("console-floor") });
      await showMember(out, memberId);
      out
        .querySelector("#floor-status")
        ?.replaceChildren(h("p", { class: "ok", role: "status" }, `Floor set; tier now ${data.tier}${data.upgraded ? " (upgraded)" : ""}.`));
    } catch (err) {
      floorStatus.replaceChildren(errorBox(err));
    }
  });
  floorStatus.id = "floor-status";

  // --- membership: only ending it here (billing systems start and renew memberships)
  const membershipStatus = h("div", { id: "membership-status", "aria-live": "polite" });
  const endMembership = h("button", { type: "button", class: "secondary", id: "end-membership" }, "End membership");
  endMembership.addEventListener("click", async () => {
    const m = member.membership;
    if (!m || !window.confirm(`End ${m.name} for ${memberId} now? Its tier ${m.tier} stops applying.`)) return;
    endMembership.disabled = true;
    membershipStatus.replaceChildren(h("p", { class: "muted" }, "Sending…"));
    try {
      const { data } = await api("DELETE", `${path}/membership`, { idempotencyKey: newKey("console-membership") });
      await showMember(out, memberId);
      out
        .querySelector("#membership-status")
        ?.replaceChildren(
          h("p", { class: "ok", role: "status" }, `${data.ended ? "Membership ended" : "No membership was running"}; tier now ${data.tier}.`),
        );
    } catch (err) {
      endMembership.disabled = false;
      membershipStatus.replaceChildren(errorBox(err));
    }
  });

  // --- redemptions (the operator's export holds them) and events, on demand / at once
  const redemptionsOut = h("div", {});
  const redemptionsButton = h("button", { type: "button", class: "secondary" }, "Show redemptions");
  redemptionsButton.addEventListener("click", async () => {
    redemptionsOut.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const { data } = await api("GET", `${path}/export`);
      const rows = (data.redemptions || []).map((r) => [
        when(r.createdAt),
        r.rewardName || r.rewardId || "—",
        num(r.pointsSpent),
        r.status || "—",
        r.code || "—",
      ]);
      redemptionsOut.replaceChildren(table("Redemptions", ["When", "Reward", "Points", "Status", "Voucher"], rows));
    } catch (err) {
      redemptionsOut.replaceChildren(errorBox(err));
    }
  });
  const eventsOut = h("div", {});
  api("GET", `${path}/events`, { query: { limit: 20 } })
    .then(({ data }) =>
      eventsOut.replaceChildren(
        table(
          "Events (kept 7 days)",
          ["When", "Event", "Detail"],
          (data.items || []).map((ev) => [when(ev.occurredAt), ev.type, h("code", {}, JSON.stringify(ev.detail))]),
        ),
      ),
    )
    .catch((err) => eventsOut.replaceChildren(errorBox(err)));

  out.replaceChildren(
    profile,
    stats,
    tierBlock(member.tier),
    membershipBlock(member.membership, endMembership, membershipStatus),
    badgesBlock(member.badges || []),
    h("div", { class: "actions" }, adjust, floor),
    ledgerBody,
    more,
    h("h2", {}, "Lots and pending points"),
    lots,
    pending,
    h("h2", {}, "Redemptions"),
    redemptionsButton,
    redemptionsOut,
    h("h2", {}, "Events"),
    eventsOut,
  );
}
