// PrivateNexus GraphQL explorer: mounts the vendored GraphiQL (window.GraphiQL, React 18 UMD) and
// adds a bearer-token field. Loaded from index.html as a plain script so that a
// Content-Security-Policy of `script-src 'self'` works (no inline script, no eval).
(function () {
  'use strict';

  var ENDPOINT = '/graphql';
  var TOKEN_KEY = 'privatenexus.explorer.token';
  var INTROSPECTION_OPERATION = 'IntrospectionQuery'; // the operationName GraphiQL uses for schema fetches

  var DEFAULT_QUERY = [
    '# PrivateNexus GraphQL explorer',
    '#',
    '# 1. Paste an access token or a',
    '#    personal API token (pnx_...)',
    '#    in the Token field above and',
    '#    press "Use token".',
    '# 2. Docs: book icon, top left.',
    '# 3. Ctrl-Space: autocomplete,',
    '#    Ctrl-Enter: run.',
    '',
    '{',
    '  __typename',
    '}',
    ''
  ].join('\n');

  var form = document.getElementById('pnx-token-form');
  var input = document.getElementById('pnx-token-input');
  var showButton = document.getElementById('pnx-token-show');
  var clearButton = document.getElementById('pnx-token-clear');
  var statusEl = document.getElementById('pnx-token-status');
  var hintEl = document.getElementById('pnx-hint');
  var container = document.getElementById('graphiql');

  // ---- token storage -------------------------------------------------------------------------

  function readToken() {
    try {
      return window.localStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return ''; // storage disabled: the token then lives only in the field
    }
  }

  function writeToken(token) {
    try {
      if (token) window.localStorage.setItem(TOKEN_KEY, token);
      else window.localStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* storage disabled or full: keep working with the in-memory token */
    }
  }

  // Accept what people paste: surrounding whitespace, quotes, or a whole "Bearer xyz" / header line.
  function normaliseToken(raw) {
    var t = String(raw || '').trim();
    t = t.replace(/^authorization\s*:\s*/i, '').replace(/^bearer\s+/i, '').trim();
    t = t.replace(/^["']|["']$/g, '');
    return t;
  }

  function jwtExpiry(token) {
    var parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      var b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
      while (b64.length % 4) b64 += '=';
      var payload = JSON.parse(window.atob(b64));
      return typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : null;
    } catch (e) {
      return null;
    }
  }

  function describeToken(token) {
    if (!token) return { text: 'No token: only anonymous requests', ok: false };
    var kind = /^pnx_/.test(token) ? 'Personal API token' : 'Access token';
    var text = kind + ' in use (…' + token.slice(-4) + ')';
    var exp = jwtExpiry(token);
    if (exp) {
      if (exp.getTime() <= Date.now()) return { text: kind + ' expired at ' + exp.toLocaleString(), ok: false };
      text += ', expires ' + exp.toLocaleString();
    }
    return { text: text, ok: true };
  }

  function showStatus(token) {
    var d = describeToken(token);
    statusEl.textContent = d.text;
    statusEl.classList.toggle('pnx-ok', d.ok);
  }

  // ---- hint banner ---------------------------------------------------------------------------

  var hintKind = null; // 'auth' | 'schema' | 'network' | null

  function showHint(kind, parts) {
    hintKind = kind;
    hintEl.textContent = '';
    parts.forEach(function (p) {
      if (typeof p === 'string') {
        hintEl.appendChild(document.createTextNode(p));
      } else {
        var code = document.createElement('code');
        code.textContent = p.code;
        hintEl.appendChild(code);
      }
    });
    hintEl.hidden = false;
  }

  function hideHint(kind) {
    if (kind && hintKind !== kind) return;
    hintKind = null;
    hintEl.hidden = true;
    hintEl.textContent = '';
  }

  function errorCodes(body) {
    var codes = [];
    if (body && Array.isArray(body.errors)) {
      body.errors.forEach(function (e) {
        if (e && e.extensions && typeof e.extensions.code === 'string') codes.push(e.extensions.code);
      });
    }
    return codes;
  }

  function firstMessage(body) {
    if (body && Array.isArray(body.errors) && body.errors[0] && body.errors[0].message) {
      return String(body.errors[0].message);
    }
    return 'no details';
  }

  // tokenUsed: the token field's value this request was built with, or null when GraphiQL's Headers
  // editor supplied its own Authorization header.
  function reviewResponse(params, status, body, sentToken, tokenUsed) {
    var introspection = params && params.operationName === INTROSPECTION_OPERATION;
    var codes = errorCodes(body);
    var unauthenticated = status === 401 || codes.indexOf('UNAUTHENTICATED') !== -1;
    var forbidden = status === 403 || codes.indexOf('FORBIDDEN') !== -1;

    if (unauthenticated) {
      if (!sentToken) {
        showHint('auth', [
          introspection
            ? 'Sign in to browse the schema: introspection is only available to authenticated callers. '
            : 'This request needs authentication. ',
          'Paste an access token or a personal API token (',
          { code: 'pnx_…' },
          ') into the Token field above and press “Use token”.'
        ]);
      } else {
        if (tokenUsed && tokenUsed === currentToken) {
          statusEl.textContent = 'Token rejected by the server (…' + tokenUsed.slice(-4) + ')';
          statusEl.classList.remove('pnx-ok');
        }
        showHint('auth', tokenUsed === null
          ? [
              'The server did not accept the Authorization header set in the Headers editor (below the query); ',
              'fix or remove it there. Server said: ' + firstMessage(body)
            ]
          : [
              'The server did not accept the token (it may have expired or been revoked). ',
              'Paste a fresh access token or personal API token (',
              { code: 'pnx_…' },
              ') above. Server said: ' + firstMessage(body)
            ]);
      }
      return;
    }
    if (introspection) {
      if (body && body.data && body.data.__schema) {
        hideHint();
        showStatus(currentToken);
      } else if (forbidden) {
        showHint('schema', ['The token is valid but may not introspect the schema. Server said: ' + firstMessage(body)]);
      } else {
        showHint('schema', ['The schema could not be loaded (HTTP ' + status + '): ' + firstMessage(body)]);
      }
      return;
    }
    // Any other request that got through means the token (or anonymous access) works.
    if (status >= 200 && status < 300) hideHint('auth');
    hideHint('network');
  }

  // ---- fetcher -------------------------------------------------------------------------------

  function createFetcher(token) {
    return function fetcher(params, opts) {
      var headers = new Headers();
      headers.set('Content-Type', 'application/json');
      headers.set('Accept', 'application/graphql-response+json, application/json;q=0.9');
      if (token) headers.set('Authorization', 'Bearer ' + token);
      // Headers typed into GraphiQL's own "Headers" editor win (including an explicit Authorization).
      var extra = opts && opts.headers;
      if (extra && typeof extra === 'object') {
        Object.keys(extra).forEach(function (name) {
          if (extra[name] != null) headers.set(name, String(extra[name]));
        });
      }
      var sentToken = headers.has('Authorization');
      var tokenUsed = token && headers.get('Authorization') === 'Bearer ' + token ? token : null;

      return window
        .fetch(ENDPOINT, {
          method: 'POST',
          headers: headers,
          body: JSON.stringify(params),
          credentials: 'same-origin',
          cache: 'no-store'
        })
        .then(
          function (response) {
            return response.text().then(function (text) {
              var body;
              try {
                body = text ? JSON.parse(text) : null;
              } catch (e) {
                body = null;
              }
              if (!body || typeof body !== 'object') {
                body = {
                  errors: [
                    {
                      message:
                        'HTTP ' + response.status + (response.statusText ? ' ' + response.statusText : '') +
                        (text ? ': ' + text.slice(0, 500) : ' (empty response)')
                    }
                  ]
                };
              }
              reviewResponse(params, response.status, body, sentToken, tokenUsed);
              return body;
            });
          },
          function (err) {
            showHint('network', ['Could not reach ' + ENDPOINT + ': ' + (err && err.message ? err.message : String(err))]);
            throw err;
          }
        );
    };
  }

  // ---- GraphiQL ------------------------------------------------------------------------------

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    showHint('network', ['The explorer scripts did not load; reload the page. The API itself is at POST /graphql.']);
    return;
  }

  var root = window.ReactDOM.createRoot(container);
  var currentToken = readToken();

  function render() {
    // A new fetcher makes GraphiQL fetch the schema again with the new credentials.
    root.render(
      window.React.createElement(window.GraphiQL, {
        fetcher: createFetcher(currentToken),
        defaultQuery: DEFAULT_QUERY,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false
      })
    );
  }

  function useToken(token) {
    currentToken = token;
    writeToken(token);
    input.value = token;
    showStatus(token);
    hideHint('auth');
    render();
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    useToken(normaliseToken(input.value));
  });

  clearButton.addEventListener('click', function () {
    useToken('');
    input.focus();
  });

  showButton.addEventListener('click', function () {
    var reveal = input.type === 'password';
    input.type = reveal ? 'text' : 'password';
    showButton.textContent = reveal ? 'Hide' : 'Show';
    showButton.setAttribute('aria-pressed', reveal ? 'true' : 'false');
  });

  // Another tab changed the stored token: follow it.
  window.addEventListener('storage', function (event) {
    if (event.key === TOKEN_KEY && (event.newValue || '') !== currentToken) {
      currentToken = event.newValue || '';
      input.value = currentToken;
      showStatus(currentToken);
      hideHint('auth');
      render();
    }
  });

  input.value = currentToken;
  showStatus(currentToken);
  render();
})();
