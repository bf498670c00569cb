#!/usr/bin/env bash
# The README's walk-through, runnable: from the project directory, `bash docs/walkthrough.sh`.
set -euo pipefail
set -m # each background job in its own process group, so the cleanup stops it whole

# 1. One configuration for the server, the CLI and the emulator: .env in this directory
#    (kept if you have one; variables set in the environment win over it).
[ -e .env ] || cat > .env <<ENV
PORT=${PORT:-3000}
MAGENTO_EMULATOR_PORT=${MAGENTO_EMULATOR_PORT:-8090}
MAGENTO_BASE_URL=http://127.0.0.1:${MAGENTO_EMULATOR_PORT:-8090}/
ENV
set -a; . ./.env; set +a
BRIDGE=http://localhost:$PORT
CALLBACK=http://127.0.0.1:${CALLBACK_PORT:-8091}/callback
WORK=$(mktemp -d)
trap 'for p in $(jobs -p); do kill -TERM -- -"$p" 2>/dev/null || true; done; wait; rm -rf "$WORK"' EXIT
json() { node -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$1" "$2"; }
wait_for() { for _ in $(seq 240); do eval "$1" && return 0; sleep 0.5; done; echo "timed out: $1" >&2; cat "$WORK"/*.log >&2; exit 1; }

# 2. A store to talk to (the Magento emulator), and the bridge pointed at it
npm run -s magento:emulator -- --credentials-file "$WORK/demo-integration.txt" > "$WORK/emulator.log" 2>&1 &
npm start > "$WORK/bridge.log" 2>&1 &
wait_for 'curl -sf "$BRIDGE/healthz" > /dev/null && [ -s "$WORK/demo-integration.txt" ]'

# 3. The first admin (scan the printed QR code), and the app's client (the secret is shown once)
printf '%s' "${ADMIN_PASSWORD:-a long passphrase of your own}" | npm run -s cli -- admins:create --username alice --password-stdin \
  || echo "(admin alice exists already: sign in with it)"
CLIENT=$(npm run -s cli -- clients:create --name "Shop tool" --type confidential --redirect-uri "$CALLBACK" \
  --scope "catalog:read catalog:write offline_access" --grant-type authorization_code --grant-type refresh_token --json)
CLIENT_ID=$(json "$CLIENT" client_id); CLIENT_SECRET=$(json "$CLIENT" client_secret)

# 4. Link the store. A real store: `npm run cli -- magento:link-urls --client "$CLIENT_ID"`, paste the
#    two URLs into System › Extensions › Integrations, Activate. The emulator: import its demo integration.
npm run -s cli -- magento:import --client "$CLIENT_ID" < "$WORK/demo-integration.txt"
npm run -s cli -- magento:status --client "$CLIENT_ID"

# 5. The app sends the admin's browser to the consent page (PKCE, S256); the callback page started
#    here shows the code and passes it on.
VERIFIER=$(openssl rand -base64 48 | tr -d '=+/\n' | cut -c1-64)
CHALLENGE=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')
node docs/callback-page.mjs "${CALLBACK_PORT:-8091}" "$WORK/callback.txt" &
echo "Open in your browser, sign in (password + TOTP code), Approve:"
echo "  $BRIDGE/auth?response_type=code&client_id=$CLIENT_ID&redirect_uri=$(node -p 'encodeURIComponent(process.argv[1])' "$CALLBACK")&scope=catalog%3Aread%20catalog%3Awrite%20offline_access&state=xyz&code_challenge=$CHALLENGE&code_challenge_method=S256"
for _ in $(seq 1200); do [ -s "$WORK/callback.txt" ] && break; sleep 0.5; done
grep -q '^code=' "$WORK/callback.txt" || { echo "no code: $(cat "$WORK/callback.txt" 2>/dev/null)" >&2; exit 1; }
CODE=$(sed -n 's/^code=//p' "$WORK/callback.txt")

# 6. Exchange the code for tokens
TOKENS=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" "$BRIDGE/token" -d grant_type=authorization_code \
  -d code="$CODE" -d code_verifier="$VERIFIER" --data-urlencode redirect_uri="$CALLBACK")
ACCESS_TOKEN=$(json "$TOKENS" access_token); REFRESH_TOKEN=$(json "$TOKENS" refresh_token)

# 7. Call Magento through the bridge: the store's paths, our token
curl -sf -H "Authorization: Bearer $ACCESS_TOKEN" "$BRIDGE/rest/V1/products?searchCriteria%5BpageSize%5D=2"; echo
curl -sf -X PUT -H "Authorization: Bearer $ACCESS_TOKEN" -H 'Content-Type: application/json' \
  -d '{"product":{"name":"Renamed through the bridge"}}' "$BRIDGE/rest/V1/products/ABC%2F10"; echo

# 8. Refresh (the refresh token rotates)
curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" "$BRIDGE/token" -d grant_type=refresh_token -d refresh_token="$REFRESH_TOKEN"; echo
echo "Walk-through complete. The server and the emulator stop now."
