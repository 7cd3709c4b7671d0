/* The API console: Swagger UI, with DPoP-bound tokens for "Try it out".
 *
 * This page holds an ES256 key pair made with WebCrypto; the private key is not extractable, so
 * it never leaves the browser. In demo mode the server offers demo logins
 * (/docs/portal/config.json): for an operation whose security names a scope, the console asks
 * /docs/portal/token for a token of the demo TPP that has that scope, sending a DPoP proof for
 * the token endpoint, and the token comes back bound to this page's key (cnf.jkt). Every request
 * Swagger UI then sends carries `Authorization: DPoP <token>` and a fresh proof (htm, htu, iat,
 * jti, ath), as RFC 9449 requires. Which scope an operation needs is read from the OpenAPI
 * document, never from paths written here. Without demo mode there are no logins: the console
 * documents, and a call needs a token of your own in the Authorization and DPoP headers.
 */
(function () {
  "use strict";

  var root = document.getElementById("portal-console");
  var statusLine = document.getElementById("portal-status");
  var loginsBox = document.getElementById("portal-logins");
  var encoder = new TextEncoder();
  var state = {keys: null, publicJwk: null, config: null, operations: [], tokens: {}};

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("portal-error", Boolean(isError));
  }

  function b64url(bytes) {
    var text = "";
    new Uint8Array(bytes).forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomId() {
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return b64url(bytes);
  }

  async function keys() {
    if (state.keys === null) {
      // extractable false: the private key cannot be read back out of WebCrypto
      state.keys = await crypto.subtle.generateKey(
        {name: "ECDSA", namedCurve: "P-256"}, false, ["sign", "verify"]);
      var full = await crypto.subtle.exportKey("jwk", state.keys.publicKey);
      state.publicJwk = {kty: full.kty, crv: full.crv, x: full.x, y: full.y};
    }
    return state.keys;
  }

  /* A DPoP proof (RFC 9449 section 4.2); WebCrypto's ECDSA signature is already r||s (JWS). */
  async function proof(method, url, accessToken) {
    var pair = await keys();
    var claims = {jti: randomId(), htm: method, htu: url, iat: Math.floor(Date.now() / 1000)};
    if (accessToken) {
      claims.ath = b64url(await crypto.subtle.digest("SHA-256", encoder.encode(accessToken)));
    }
    var header = {typ: "dpop+jwt", alg: "ES256", jwk: state.publicJwk};
    var input = b64url(encoder.encode(JSON.stringify(header))) + "." +
      b64url(encoder.encode(JSON.stringify(claims)));
    var signature = await crypto.subtle.sign(
      {name: "ECDSA", hash: "SHA-256"}, pair.privateKey, encoder.encode(input));
    return input + "." + b64url(signature);
  }

  /* Each operation of the document: its method, a matcher for its path, scope, headers. */
  function indexOperations(spec) {
    var list = [];
    Object.keys(spec.paths || {}).forEach(function (path) {
      var pattern = new RegExp("^" + path.replace(/[.*+?^$()|[\]\\]/g, "\\$&")
        .replace(/\{[^}]+\}/g, "[^/]+") + "$");
      Object.keys(spec.paths[path]).forEach(function (method) {
        var operation = spec.paths[path][method];
        if (!operation || typeof operation !== "object" || !operation.responses) { return; }
        var scope = null;
        (operation.security || []).forEach(function (requirement) {
          Object.keys(requirement).forEach(function (name) {
            if (scope === null && requirement[name].length) { scope = requirement[name][0]; }
          });
        });
        var fresh = (operation.parameters || []).filter(function (param) {
          return param.in === "header" && param.example !== undefined && param.schema &&
            (param.schema.format === "uuid" || param.schema.format === "date-time");
        });
        list.push({method: method.toUpperCase(), pattern: pattern, scope: scope, fresh: fresh});
      });
    });
    return list;
  }

  function operationFor(method, pathname) {
    return state.operations.find(function (op) {
      return op.method === method && op.pattern.test(pathname);
    }) || null;
  }

  function loginFor(scope) {
    var logins = (state.config && state.config.logins) || [];
    return logins.find(function (login) { return login.scope === scope; }) || null;
  }

  async function tokenFor(scope) {
    var held = state.tokens[scope];
    if (held && held.expires > Date.now() + 10000) { return held.value; }
    var login = loginFor(scope);
    if (!login) { return null; }
    say("Getting a token for the " + login.label + "…");
    var answer = await fetch(root.dataset.configUrl.replace(/config\.json$/, "token"), {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded",
                "DPoP": await proof("POST", state.config.token_endpoint)},
      body: new URLSearchParams({login: login.name}).toString()
    });
    var body = await answer.json().catch(function () { return {}; });
    if (!answer.ok) {
      say("No token for the " + login.label + ": " + (body.error || answer.status) +
          (body.error_description ? " (" + body.error_description + ")" : ""), true);
      return null;
    }
    state.tokens[scope] = {value: body.access_token,
                           expires: Date.now() + 1000 * (body.expires_in || 60)};
    renderLogins();
    say("Signed in as the " + login.label + "; scope " + body.scope +
        ", a " + body.token_type + " token bound to this page's key.");
    return body.access_token;
  }

  /* Swagger UI's requestInterceptor: may return a promise of the request. */
  async function intercept(request) {
    var url = new URL(request.url, window.location.href);
    if (url.origin !== window.location.origin || !state.config) { return request; }
    var method = (request.method || "GET").toUpperCase();
    var operation = operationFor(method, url.pathname);
    if (operation === null) { return request; }
    request.headers = request.headers || {};
    operation.fresh.forEach(function (param) {
      // a documented example stamped now: a fixed example time would be refused as stale
      if (request.headers[param.name] === String(param.example)) {
        request.headers[param.name] = param.schema.format === "uuid" ? crypto.randomUUID()
          : new Date().toISOString();
      }
    });
    if (!operation.scope || request.headers.Authorization) { return request; }
    var token = await tokenFor(operation.scope);
    if (!token) { return request; }
    request.headers.Authorization = "DPoP " + token;
    request.headers.DPoP = await proof(method, state.config.issuer + url.pathname, token);
    return request;
  }

  function renderLogins() {
    loginsBox.textContent = "";
    var logins = (state.config && state.config.logins) || [];
    if (!logins.length) { return; }
    var list = document.createElement("ul");
    logins.forEach(function (login) {
      var item = document.createElement("li");
      var held = state.tokens[login.scope];
      item.textContent = login.label + " (scope " + login.scope + "): " +
        (held ? "token held" : "signs in on the first call");
      list.appendChild(item);
    });
    loginsBox.appendChild(list);
  }

  async function start() {
    var spec = await (await fetch(root.dataset.specUrl)).json();
    state.operations = indexOperations(spec);
    var answer = await fetch(root.dataset.configUrl);
    if (answer.ok) {
      state.config = await answer.json();
      await keys();
      say("Demo mode: \"Try it out\" calls sign in as a demo TPP with a DPoP-bound token " +
          "for a key made in this page.");
      renderLogins();
    } else {
      say("Demo sign-in is off on this server: send your own DPoP-bound token " +
          "(Authorization and DPoP headers) from your TPP client.");
    }
    var config = JSON.parse(root.dataset.uiConfig || "{}");
    config.url = root.dataset.specUrl;
    config.dom_id = "#swagger-ui-container";
    config.requestInterceptor = intercept;
    // Swagger UI's own "Authorize" dialog asks for a client secret and sends no DPoP proof:
    // neither works against FAPI 2.0, so it is not shown.
    config.plugins = [function () {
      return {wrapComponents: {authorizeBtn: function () { return function () { return null; }; }}};
    }];
    window.ui = window.SwaggerUIBundle(config);
  }

  start().catch(function (error) { say("The console could not start: " + error, true); });
}());
