#!/usr/bin/env bash
# Measures whole-transaction gas (receipt gasUsed: 21000 base + calldata with
# the EIP-7623 floor + execution) of Lamina's L1 operations on a throw-away
# anvil (hardfork prague). Usage, from contracts/: script/gas-profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=../node_modules/.bin
PORT=${PORT:-18545}
TMP=$(mktemp -d)
"$BIN/anvil" --port "$PORT" --hardfork prague --silent &
ANVIL=$!
trap 'kill "$ANVIL" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do
  "$BIN/cast" chain-id --rpc-url "http://127.0.0.1:$PORT" >/dev/null 2>&1 && break
  sleep 0.2
done
FOUNDRY_BROADCAST="$TMP/broadcast" "$BIN/forge" script script/GasProfile.s.sol:GasProfile \
  --rpc-url "http://127.0.0.1:$PORT" --broadcast --slow --skip-simulation >"$TMP/log" 2>&1 ||
  { cat "$TMP/log"; exit 1; }
node -e '
const r = require(process.argv[1]);
const seen = {};
for (let i = 0; i < r.transactions.length; i++) {
  const t = r.transactions[i], rc = r.receipts[i];
  const name = t.function ? t.function.replace(/\(.*/, "") : (t.transactionType === "CREATE" ? "create " + t.contractName : "?");
  seen[name] = (seen[name] || 0) + 1;
  const bytes = (t.transaction.input || t.transaction.data || "0x").length / 2 - 1;
  console.log(`${(name + " #" + seen[name]).padEnd(28)} gasUsed ${String(parseInt(rc.gasUsed, 16)).padStart(9)}   calldata ${bytes} B`);
}' "$(find "$TMP/broadcast" -name run-latest.json | head -1)"
