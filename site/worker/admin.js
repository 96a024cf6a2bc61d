// The static site's Worker script: the CMS admin's GitHub sign-in and the API CMS's publish hook,
// and nothing else. Workers Static Assets answers every other path before this script runs (the
// version's assets config sets run_worker_first to /admin/oauth/* and /admin/hooks/* only,
// components/site.py), so pages never cost an invocation.
//
// Sign-in. Decap CMS's GitHub backend with `base_url` (this site's origin) and `auth_endpoint`
// (admin/oauth/auth) opens a popup on `/admin/oauth/auth?provider=github&site_id=<host>`, then
// waits for two window messages from the popup whose origin is exactly `base_url`
// (decap-cms packages/decap-cms-lib-auth/src/netlify-auth.js): "authorizing:github", which it
// echoes back, then "authorization:github:success:{"token":...,"provider":"github"}" (or
// ":error:{...}"). The popup posts only to this site's own origin, never to "*": a page elsewhere
// that opened the popup gets nothing.
//
// The flow is GitHub's web application flow (docs.github.com, "Authorizing OAuth apps"): the
// authorize redirect carries a random `state`, kept in an HttpOnly, SameSite=Lax cookie (Secure on
// https) for 10 minutes; the callback refuses a code whose state does not match the cookie (CSRF),
// then exchanges the code with the client secret (a secret_text binding, a Pulumi secret).
//
// Publish hook. An API CMS's publish webhook (cms/wagtail's signal, Strapi's, Contentful's...)
// POSTs to /admin/hooks/publish; the hook checks it (X-CMS-Signature: sha256=<HMAC of the body>,
// whose `sent_at` must be within 5 minutes, or Authorization: Bearer <secret> for CMSs that send
// only fixed headers, such as Strapi) and
// sends GitHub's repository_dispatch (POST /repos/{repo}/dispatches, event_type cms-publish),
// which no such CMS can send itself: GitHub needs its own body (strapi/strapi#7567). Duplicate
// deliveries and bursts of saves become one build in deploy.yml (its `debounce` job), so this
// hook keeps no state.
//
// Bindings: GITHUB_CLIENT_ID (plain text), GITHUB_CLIENT_SECRET (secret text) for the sign-in;
// GITHUB_REPO (plain text), GITHUB_DISPATCH_TOKEN and CMS_WEBHOOK_SECRET (secret text) for the
// hook. Without them each answers 503 saying what to set up. GITHUB_URL and GITHUB_API_URL
// (default https://github.com, https://api.github.com) are for tests and GitHub Enterprise Server.

const STATE_COOKIE = "cms_oauth_state";
const SCOPE = "repo";
const PROVIDER = "github";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/admin/hooks/publish") return publishHook(request, env);
    if (request.method !== "GET") return text(405, "Method not allowed.", { Allow: "GET" });
    if (url.pathname === "/admin/oauth/auth") return start(url, env);
    if (url.pathname === "/admin/oauth/callback") return finish(request, url, env);
    return text(404, "Not found.");
  },
};

function configured(env) {
  return Boolean(env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET);
}

function github(env) {
  return (env.GITHUB_URL || "https://github.com").replace(/\/+$/, "");
}

function start(url, env) {
  if (!configured(env)) {
    return text(
      503,
      "Sign-in to the content manager is not set up for this site yet. An engineer creates the " +
        "GitHub OAuth app once and sets spikeproof:site.cms.githubClientId and the secret " +
        "spikeproof:cmsGithubClientSecret (docs/site.md, 'Sign-in').",
    );
  }
  const provider = url.searchParams.get("provider") || PROVIDER;
  if (provider !== PROVIDER) return text(400, `Unknown sign-in provider: only ${PROVIDER}.`);
  const state = randomHex(16);
  const authorize = new URL(`${github(env)}/login/oauth/authorize`);
  authorize.searchParams.set("client_id", env.GITHUB_CLIENT_ID);
  authorize.searchParams.set("redirect_uri", `${url.origin}/admin/oauth/callback`);
  authorize.searchParams.set("scope", SCOPE);
  authorize.searchParams.set("state", state);
  authorize.searchParams.set("allow_signup", "false");
  return new Response(null, {
    status: 302,
    headers: {
      Location: authorize.toString(),
      "Set-Cookie": cookie(state, 600, url),
      "Cache-Control": "no-store",
    },
  });
}

async function finish(request, url, env) {
  if (!configured(env)) return start(url, env);
  const expected = readCookie(request.headers.get("Cookie") || "", STATE_COOKIE);
  const state = url.searchParams.get("state") || "";
  const code = url.searchParams.get("code") || "";
  if (url.searchParams.get("error")) {
    return handshake(url, "error", {
      error: url.searchParams.get("error_description") || url.searchParams.get("error"),
    });
  }
  if (!expected || !code || !sameText(expected, state)) {
    return handshake(url, "error", {
      error: "The sign-in expired or did not start here. Close this window and sign in again.",
    });
  }
  let answer;
  try {
    const response = await fetch(`${github(env)}/login/oauth/access_token`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({
        client_id: env.GITHUB_CLIENT_ID,
        client_secret: env.GITHUB_CLIENT_SECRET,
        code,
        redirect_uri: `${url.origin}/admin/oauth/callback`,
      }),
    });
    answer = await response.json();
  } catch (_) {
    answer = { error: "GitHub did not answer the sign-in. Try again in a minute." };
  }
  if (!answer || typeof answer.access_token !== "string" || !answer.access_token) {
    const why = (answer && (answer.error_description || answer.error)) || "no token";
    return handshake(url, "error", { error: `GitHub refused the sign-in: ${why}` });
  }
  return handshake(url, "success", { token: answer.access_token, provider: PROVIDER });
}

// The popup's page: the two-message handshake with the admin (its opener) on this origin only.
function handshake(url, outcome, content) {
  const message = `authorization:${PROVIDER}:${outcome}:${JSON.stringify(content)}`;
  // JSON in a script element: "<" escaped so no value can close the element.
  const data = JSON.stringify({ message, origin: url.origin }).replace(/</g, "\\u003c");
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Signing in | Content manager</title></head>
<body><p id="status">${outcome === "success" ? "Signed in. This window closes itself." : "Sign-in failed: see the content manager."}</p>
<script>
(function () {
  var data = ${data};
  if (!window.opener) return;
  window.addEventListener("message", function receive(event) {
    if (event.origin !== data.origin || event.data !== "authorizing:${PROVIDER}") return;
    window.removeEventListener("message", receive);
    window.opener.postMessage(data.message, data.origin);
  });
  window.opener.postMessage("authorizing:${PROVIDER}", data.origin);
})();
</script></body></html>`;
  return new Response(body, {
    status: outcome === "success" ? 200 : 400,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Set-Cookie": cookie("", 0, url),
      "Referrer-Policy": "no-referrer",
    },
  });
}

function cookie(value, maxAge, url) {
  const secure = url.protocol === "https:" ? "; Secure" : "";
  return `${STATE_COOKIE}=${value}; Path=/admin/oauth/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

function readCookie(header, name) {
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return "";
}

function sameText(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function randomHex(bytes) {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}

function text(status, message, headers = {}) {
  return new Response(message + "\n", {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers },
  });
}

const MAX_HOOK_BYTES = 65536;
const MAX_SIGNED_AGE_MS = 5 * 60 * 1000;

async function publishHook(request, env) {
  if (request.method !== "POST") return text(405, "POST the CMS's webhook here.", { Allow: "POST" });
  if (!env.GITHUB_REPO || !env.GITHUB_DISPATCH_TOKEN || !env.CMS_WEBHOOK_SECRET) {
    return text(
      503,
      "The publish hook is not set up for this site: set spikeproof:site.cms.api and the secrets " +
        "spikeproof:cmsDispatchToken and spikeproof:cmsWebhookSecret (docs/site.md).",
    );
  }
  if (Number(request.headers.get("Content-Length") || 0) > MAX_HOOK_BYTES) {
    return text(413, "The webhook body is over 64 KB.");
  }
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > MAX_HOOK_BYTES) return text(413, "The webhook body is over 64 KB.");
  const how = await authentic(request, body, env.CMS_WEBHOOK_SECRET);
  if (!how) {
    return text(401, "The webhook's signature or token does not match CMS_WEBHOOK_SECRET.");
  }
  let parsed;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch (_) {
    return text(400, "The webhook body is not JSON.");
  }
  // A signed body carries the time it was sent (cms/wagtail's `sent_at`): a delivery captured
  // and replayed later is refused, so it cannot start deploys at will.
  if (how === "signature") {
    const sent = Date.parse(parsed && parsed.sent_at);
    if (!Number.isFinite(sent) || Math.abs(Date.now() - sent) > MAX_SIGNED_AGE_MS) {
      return text(401, "A signed webhook's sent_at must be within 5 minutes of now.");
    }
  }
  let event = request.headers.get("X-CMS-Event") || request.headers.get("X-Strapi-Event") ||
    request.headers.get("X-Contentful-Topic") || "";
  if (!event && parsed && typeof parsed.event === "string") event = parsed.event;
  const api = (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
  let status;
  try {
    const dispatch = await fetch(`${api}/repos/${env.GITHUB_REPO}/dispatches`, {
      method: "POST",
      headers: {
        Accept: "application/vnd.github+json",
        Authorization: `Bearer ${env.GITHUB_DISPATCH_TOKEN}`,
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "spikeproof-publish-hook",
        "Content-Type": "application/json",
      },
      body: JSON.stringify({
        event_type: "cms-publish",
        client_payload: { event: String(event).slice(0, 100), received_at: new Date().toISOString() },
      }),
    });
    status = dispatch.status;
  } catch (_) {
    status = 0;
  }
  if (status !== 204) {
    return text(502, `GitHub did not take the dispatch (${status || "no answer"}); the CMS may retry.`);
  }
  return new Response(JSON.stringify({ dispatched: "cms-publish" }) + "\n", {
    status: 202,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

// "bearer" or "signature" when the request proves it knows the secret; "" otherwise.
async function authentic(request, body, secret) {
  const bearer = (request.headers.get("Authorization") || "").match(/^Bearer\s+(.+)$/i);
  if (bearer) return sameText(bearer[1].trim(), secret) ? "bearer" : "";
  const signature = (request.headers.get("X-CMS-Signature") || "").match(/^sha256=([0-9a-f]{64})$/i);
  if (!signature) return "";
  const key = await crypto.subtle.importKey(
    "raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  const hex = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
  return sameText(hex, signature[1].toLowerCase()) ? "signature" : "";
}
