// Metrics: GET /v1/metrics?from&to, drawn with uPlot (the global `uPlot`, console/dist/vendor).
import { api } from "./api.js";
import { day, errorBox, field, h, num, pct, stat, table } from "./dom.js";

const COLORS = ["#1f5fa8", "#2e8540", "#b3541e", "#7a4fa3", "#8a6d00", "#0b7a75"];

const plots = [];
function fitWidth(box) {
  return Math.max(260, Math.min(Math.floor(box.getBoundingClientRect().width) - 20, 900));
}
window.addEventListener("resize", () => {
  for (const { plot, box } of plots) if (box.isConnected) plot.setSize({ width: fitWidth(box), height: 220 });
});

/** Adds the chart's box now; returns the function that draws it (once every box is laid out). */
function chart(container, title, days, series, { bars = false } = {}) {
  const xs = days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
  const box = h("figure", { class: "chart" }, h("figcaption", {}, title));
  container.append(box);
  return () => draw(box, title, days, xs, series, bars);
}

function draw(box, title, days, xs, series, bars) {
  const width = fitWidth(box);
  const opts = {
    width,
    height: 220,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] } },
    axes: [{}, { size: 60 }],
    legend: { live: false },
    series: [
      { label: "Day (UTC)" },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        fill: bars ? `${COLORS[i % COLORS.length]}55` : undefined,
        points: { show: days.length < 40 },
        paths: bars && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 24] }) : undefined,
      })),
    ],
  };
  const data = [xs, ...series.map((s) => days.map((d) => s.value(d)))];
  plots.splice(0, plots.length, ...plots.filter((p) => p.box.isConnected));
  plots.push({ plot: new uPlot(opts, data, box), box });
  // A text alternative for screen readers: the same figures as a table follows the charts.
  box.setAttribute("aria-label", `${title}: chart; the figures are in the table below`);
}

export async function metricsPage(section) {
  const to = new Date();
  const from = new Date(Date.now() - 29 * 86400000);
  const fromInput = h("input", { type: "date", name: "from", value: day(from), required: true });
  const toInput = h("input", { type: "date", name: "to", value: day(to), required: true });
  const out = h("div", { id: "metrics-out", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "inline", "aria-label": "Date range" },
    field("From (UTC)", fromInput),
    field("To (UTC)", toInput),
    h("button", { type: "submit" }, "Show"),
  );
  section.append(h("h1", { tabindex: "-1" }, "Programme metrics"), form, out);

  async function load() {
    out.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    let m;
    try {
      ({ data: m } = await api("GET", "/v1/metrics", { query: { from: fromInput.value, to: toInput.value } }));
    } catch (err) {
      out.replaceChildren(errorBox(err));
      return;
    }
    const days = m.days || [];
    const issuedTotal = (d) => Object.values(d.issued || {}).reduce((a, b) => a + b, 0);
    const totals = days.reduce(
      (t, d) => ({ issued: t.issued + issuedTotal(d), redeemed: t.redeemed + d.redeemed, expired: t.expired + d.expired }),
      { issued: 0, redeemed: 0, expired: 0 },
    );
    const stats = h(
      "div",
      { class: "stats", id: "metrics-stats" },
      stat("Liability now (points)", num(m.current?.liability)),
      stat("Members", num(m.current?.members)),
      stat("Active members", num(m.current?.activeMembers)),
      stat("Issued in the period", num(totals.issued)),
      stat("Redemption rate", pct(m.redemptionRate)),
      stat("Breakage rate", pct(m.breakageRate)),
    );
    const charts = h("div", { class: "charts", id: "metrics-charts" });
    out.replaceChildren(stats, charts);
    if (typeof uPlot === "undefined") {
      charts.append(h("div", { class: "error", role: "alert" }, "The charting library did not load."));
    } else {
      const draws = [
        chart(charts, "Liability (points held, end of day)", days, [{ label: "Liability", value: (d) => d.liability }]),
        chart(
        charts,
        "Points issued, redeemed and expired per day",
        days,
        [
          { label: "Issued", value: issuedTotal },
          { label: "Redeemed", value: (d) => d.redeemed },
          { label: "Expired", value: (d) => d.expired },
        ],
          { bars: true },
        ),
        chart(charts, "Active members", days, [
          { label: "Active members", value: (d) => d.activeMembers },
          { label: "New members", value: (d) => d.newMembers },
        ]),
      ];
      for (const drawChart of draws) drawChart();
    }
    const rows = [...days]
      .reverse()
      .filter((d) => issuedTotal(d) || d.redeemed || d.expired || d.reversed || d.newMembers || d.redemptions)
      .map((d) => [
        d.date,
        num(issuedTotal(d)),
        num(d.redeemed),
        num(d.expired),
        num(d.reversed),
        num(d.liability),
        num(d.activeMembers),
        num(d.newMembers),
        num(d.redemptions),
      ]);
    out.append(
      table(
        "Days with movements",
        ["Day", "Issued", "Redeemed", "Expired", "Reversed", "Liability", "Active", "New members", "Redemptions"],
        rows,
        { empty: "no movements in this period." },
      ),
    );
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  await load();
}
