// Catalogue (rewards: stock, activation), offers (budget used against budget), partners
// (status, secret rotation with the new secret shown once, statement).
import { api, newKey } from "./api.js";
import { day, errorBox, field, h, num, stat, table, when } from "./dom.js";

export async function rewardsPage(section) {
  const out = h("div", { id: "rewards-out" });
  section.append(h("h1", { tabindex: "-1" }, "Catalogue"), out);
  let data;
  try {
    ({ data } = await api("GET", "/v1/rewards"));
  } catch (err) {
    out.replaceChildren(errorBox(err));
    return;
  }
  const rows = (data.items || []).map((r) => {
    const stock = h("input", {
      type: "number",
      min: "0",
      step: "1",
      value: r.stock ?? "",
      placeholder: "unlimited",
      "aria-label": `Stock of ${r.name}`,
      class: "narrow",
    });
    const active = h("input", { type: "checkbox", "aria-label": `${r.name} active` });
    active.checked = r.active !== false;
    const status = h("span", { "aria-live": "polite" });
    const save = h("button", { type: "button", class: "secondary" }, "Save");
    save.addEventListener("click", async () => {
      // PUT replaces the reward: send what it holds, with the new stock and activation.
      const body = { name: r.name, cost: r.cost, active: active.checked, stock: stock.value === "" ? null : Number(stock.value) };
      for (const k of ["minTier", "validFrom", "validTo"]) if (r[k] !== undefined) body[k] = r[k];
      status.replaceChildren("Saving…");
      try {
        await api("PUT", `/v1/rewards/${encodeURIComponent(r.rewardId)}`, { body, idempotencyKey: newKey("console-reward") });
        status.replaceChildren(h("span", { class: "ok" }, "Saved"));
      } catch (err) {
        status.replaceChildren(errorBox(err));
      }
    });
    return [
      h("span", { class: "ref" }, r.rewardId),
      r.name,
      num(r.cost),
      r.minTier || "—",
      r.validTo ? when(r.validTo) : "—",
      stock,
      active,
      h("span", {}, save, " ", status),
    ];
  });
  out.replaceChildren(table("Rewards", ["Id", "Name", "Cost", "Min tier", "Valid to", "Stock", "Active", ""], rows));
}

export async function offersPage(section) {
  const out = h("div", { id: "offers-out" });
  section.append(h("h1", { tabindex: "-1" }, "Targeted offers"), out);
  let data;
  try {
    ({ data } = await api("GET", "/v1/offers"));
  } catch (err) {
    out.replaceChildren(errorBox(err));
    return;
  }
  const rows = (data.items || []).map((o) => {
    const budget = o.budgetPoints
      ? h(
          "span",
          { class: "budget" },
          h("meter", {
            min: "0",
            max: String(o.budgetPoints),
            value: String(o.budgetUsed),
            high: String(o.budgetPoints * 0.9),
            "aria-label": `Budget of ${o.title}`,
          }),
          ` ${num(o.budgetUsed)} / ${num(o.budgetPoints)}`,
        )
      : `${num(o.budgetUsed)} (no budget)`;
    const bonus = [o.bonus?.multiplier ? `×${o.bonus.multiplier}` : "", o.bonus?.fixedPoints ? `+${o.bonus.fixedPoints}` : ""]
      .filter(Boolean)
      .join(" ");
    return [
      h("span", { class: "ref" }, o.offerId),
      o.title,
      o.active ? "yes" : "no",
      bonus || "—",
      `${when(o.validFrom)} → ${when(o.validTo)}`,
      budget,
    ];
  });
  out.replaceChildren(table("Offers", ["Id", "Title", "Active", "Bonus", "Valid", "Budget used"], rows, { empty: "no offers yet." }));
}

export async function partnersPage(section, [partnerId]) {
  const idInput = h("input", { type: "search", name: "partnerId", value: partnerId || "", required: true, autocomplete: "off" });
  const form = h(
    "form",
    { class: "inline", role: "search", "aria-label": "Find a partner" },
    field("Partner id", idInput, "There is no list of partners: enter an id (the demo's is demo-partner)."),
    h("button", { type: "submit" }, "Open"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = `#/partners/${encodeURIComponent(idInput.value.trim())}`;
  });
  const out = h("div", { id: "partner-out" });
  section.append(h("h1", { tabindex: "-1" }, partnerId ? `Partner ${partnerId}` : "Partners"), form, out);
  if (partnerId) await showPartner(out, partnerId);
}

function secretOnce(secret) {
  return h(
    "div",
    { class: "secret", role: "status" },
    h("p", {}, h("strong", {}, "New signing secret, shown this once: "), "copy it to the partner now."),
    h("code", { class: "secret-value" }, secret),
    " ",
    h(
      "button",
      { type: "button", class: "secondary", onclick: () => navigator.clipboard?.writeText(secret) },
      "Copy",
    ),
  );
}

async function showPartner(out, partnerId) {
  const path = `/v1/partners/${encodeURIComponent(partnerId)}`;
  out.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  let p = null;
  try {
    ({ data: p } = await api("GET", path));
  } catch (err) {
    if (err.status !== 404) {
      out.replaceChildren(errorBox(err));
      return;
    }
  }
  const status = h("div", { "aria-live": "polite" });
  const name = h("input", { type: "text", name: "name", required: true, maxlength: "128", value: p?.name || "" });
  const state = h("select", { name: "status" }, h("option", { value: "active" }, "active"), h("option", { value: "suspended" }, "suspended"));
  state.value = p?.status || "active";
  const edit = h(
    "form",
    { "aria-label": p ? "Partner settings" : "Create partner" },
    h("h2", {}, p ? "Settings" : `No partner ${partnerId} yet: create it`),
    field("Name", name),
    field("Status", state, "A suspended partner's webhooks get 403."),
    h("button", { type: "submit" }, p ? "Save" : "Create"),
  );
  edit.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const { status: code, data } = await api("PUT", path, {
        body: { name: name.value.trim(), status: state.value },
        idempotencyKey: newKey("console-partner"),
      });
      await showPartner(out, partnerId);
      if (code === 201 && data.secret) out.prepend(secretOnce(data.secret));
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  if (!p) {
    out.replaceChildren(edit, status);
    return;
  }

  const rotate = h("button", { type: "button" }, "Issue a new secret");
  rotate.addEventListener("click", async () => {
    try {
      const { data } = await api("POST", `${path}/secrets`, { idempotencyKey: newKey("console-secret") });
      await showPartner(out, partnerId);
      out.prepend(secretOnce(data.secret));
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  const secrets = table(
    "Active signing secrets (ids only)",
    ["Secret id", "Created", ""],
    (p.secrets || []).map((s) => {
      const retire = h("button", { type: "button", class: "secondary" }, "Retire");
      retire.addEventListener("click", async () => {
        if (!window.confirm(`Retire secret ${s.secretId}? Webhooks signed with it will be refused.`)) return;
        try {
          await api("DELETE", `${path}/secrets/${encodeURIComponent(s.secretId)}`, { idempotencyKey: newKey("console-retire") });
          await showPartner(out, partnerId);
        } catch (err) {
          status.replaceChildren(errorBox(err));
        }
      });
      return [h("span", { class: "ref" }, s.secretId), when(s.createdAt), retire];
    }),
  );
  const offers = table(
    "Partner offers",
    ["Id", "Title", "Bonus", "Valid"],
    (p.offers || []).map((o) => [
      o.offerId,
      o.title,
      [o.multiplier ? `×${o.multiplier}` : "", o.fixedPoints ? `+${o.fixedPoints}` : ""].filter(Boolean).join(" ") || "—",
      `${when(o.validFrom)} → ${when(o.validTo)}`,
    ]),
    { empty: "none." },
  );

  const from = h("input", { type: "date", value: day(new Date(Date.now() - 29 * 86400000)), required: true });
  const to = h("input", { type: "date", value: day(new Date(Date.now() + 86400000)), required: true });
  const statementOut = h("div", { "aria-live": "polite" });
  const statement = h(
    "form",
    { class: "inline", "aria-label": "Statement period" },
    field("From (UTC)", from),
    field("To (UTC, exclusive)", to),
    h("button", { type: "submit" }, "Statement"),
  );
  statement.addEventListener("submit", async (e) => {
    e.preventDefault();
    statementOut.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const { data: s } = await api("GET", `${path}/statement`, {
        query: { from: `${from.value}T00:00:00Z`, to: `${to.value}T00:00:00Z` },
      });
      statementOut.replaceChildren(
        h("div", { class: "stats" }, stat("Points issued", num(s.pointsIssued)), stat("Purchases", num(s.purchases))),
        s.complete ? "" : h("p", { class: "muted" }, "Partial: the period holds more lines than one call adds up."),
        table("Points by offer", ["Offer", "Points"], (s.byOffer || []).map((b) => [b.offerId, num(b.points)]), { empty: "none." }),
      );
    } catch (err) {
      statementOut.replaceChildren(errorBox(err));
    }
  });

  out.replaceChildren(
    h("div", { class: "stats" }, stat("Name", p.name), stat("Status", p.status), stat("Secrets", num((p.secrets || []).length))),
    status,
    h("div", { class: "actions" }, edit, h("div", {}, h("h2", {}, "Webhook secrets"), secrets, rotate)),
    h("h2", {}, "Offers"),
    offers,
    h("h2", {}, "Statement"),
    statement,
    statementOut,
  );
}
