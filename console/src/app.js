// The console's shell: sign-in, hash routes, the error banner.
import { onApiError } from "./api.js";
import { authMode, claims, completeSignIn, getToken, isExpired, loadConfig, signIn, signOut } from "./auth.js";
import { h } from "./dom.js";
import { metricsPage } from "./metrics.js";
import { membersPage } from "./members.js";
import { offersPage, partnersPage, rewardsPage } from "./catalogue.js";

const main = document.getElementById("main");
const banner = document.getElementById("banner");

const routes = {
  metrics: metricsPage,
  members: membersPage,
  rewards: rewardsPage,
  offers: offersPage,
  partners: partnersPage,
};

function showBanner(message, action) {
  banner.replaceChildren(h("span", {}, message), action || "");
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
  banner.replaceChildren();
}

function signInButton() {
  return h("button", { type: "button", class: "link", onclick: () => signIn() }, "Sign in");
}

onApiError((err) => {
  if (err.status === 401) showBanner(err.explain(), authMode() === "cognito" ? signInButton() : "");
  else if (err.status === 403 || err.status === 0 || err.code === "api_unreachable" || [502, 504].includes(err.status)) {
    showBanner(err.explain());
  }
});

function signedOutPage() {
  const local = authMode() !== "cognito";
  return h(
    "section",
    {},
    h("h1", { tabindex: "-1" }, "Not signed in"),
    local
      ? h(
          "p",
          {},
          "Open the sign-in link that ",
          h("code", {}, "make dev"),
          " printed (http://localhost:9001/console/#token=…). The token stays in this tab only.",
        )
      : h("p", {}, "Sign in with your operator account.", " ", signInButton()),
  );
}

let rendering = 0;
async function render(focus = false) {
  const run = ++rendering;
  const [, page = "metrics", ...rest] = (location.hash || "#/metrics").split("/");
  const token = getToken();
  document.getElementById("sign-out").hidden = !token;
  const c = claims(token);
  document.getElementById("who").textContent = c ? `${c.username || c.sub}` : "";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!token || page === "signed-out") {
    main.replaceChildren(signedOutPage());
    return;
  }
  if (isExpired(token)) {
    showBanner("Your session has expired. Sign in again.", authMode() === "cognito" ? signInButton() : "");
  } else {
    hideBanner();
  }
  const view = routes[page];
  if (!view) {
    main.replaceChildren(h("section", {}, h("h1", { tabindex: "-1" }, "Not found"), h("p", {}, "No such page.")));
    return;
  }
  const section = h("section", { "data-page": page });
  main.replaceChildren(section);
  try {
    await view(section, rest.map(decodeURIComponent));
  } catch (err) {
    if (run === rendering) section.append(h("div", { class: "error", role: "alert" }, String(err.message || err)));
  }
  // Focus the page's heading after a navigation, for keyboard and screen reader users.
  if (run === rendering && (focus || document.activeElement === document.body)) section.querySelector("h1")?.focus();
}

async function start() {
  await loadConfig();
  try {
    await completeSignIn();
  } catch (err) {
    showBanner(err.message, signInButton());
  }
  document.getElementById("sign-out").addEventListener("click", () => signOut());
  window.addEventListener("hashchange", () => {
    if (location.hash.startsWith("#token=")) completeSignIn().then(() => render(true));
    else render(true);
  });
  await render();
}

start().catch((err) => {
  main.replaceChildren(h("div", { class: "error", role: "alert" }, `The console could not start: ${err.message || err}`));
});
