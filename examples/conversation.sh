#!/usr/bin/env bash
# The life of a message with separate processes: a Waku node, Alice and Bob in separate homes.
#
#   examples/conversation.sh            (needs statuscli on PATH, or STATUSCLI=/path/to/statuscli; and jq)
#
# Steps: start a node; two accounts; Bob publishes his bundle and listens; Alice fetches the bundle,
# starts X3DH and sends a contact request; Bob replies; Bob goes offline while Alice sends three
# messages, then gets them back from the node's store with `mailserver fetch`. Everything lives in
# a temporary folder that is removed at the end.
set -euo pipefail

STATUSCLI=${STATUSCLI:-statuscli}
WORK=$(mktemp -d)
(umask 077 && printf '%s' conversation-example > "$WORK/pw.txt")   # a password file: never a passphrase on a command line
export STATUSCLI_PASSWORD_FILE="$WORK/pw.txt"

cleanup() {
  $STATUSCLI --home "$WORK/node" node stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
alice() { $STATUSCLI --home "$WORK/alice" "$@"; }
bob() { $STATUSCLI --home "$WORK/bob" "$@"; }

say "a Waku node (relay, lightpush, filter, store) on 127.0.0.1"
$STATUSCLI --home "$WORK/node" node run --listen /ip4/127.0.0.1/tcp/0 --detach > "$WORK/node.json"
export STATUSCLI_NODE=$(jq -r .control_socket "$WORK/node.json")   # both homes talk to it through its control socket
jq -r '"peer id " + .peer_id' "$WORK/node.json"

say "two accounts"
alice keys generate --name alice >/dev/null
bob keys generate --name bob >/dev/null
ALICE=$(alice --json keys show | jq -r .compressed_key)
BOB=$(bob --json keys show | jq -r .compressed_key)
echo "alice $ALICE"
echo "bob   $BOB"

say "Bob publishes his bundle; Alice fetches it from the store and starts X3DH"
bob bundle publish
alice bundle fetch "$BOB"
alice x3dh init "$BOB"

say "Alice sends a contact request; Bob's listener prints it"
bob --json listen --count 1 --timeout 30 > "$WORK/bob-1.ndjson" &
LISTENER=$!
alice send "$BOB" "Hi Bob, it's Alice" --contact-request
wait $LISTENER
jq -r 'select(.type == "contact_request") | "bob got a contact request from " + .from_compressed + ": " + .text' "$WORK/bob-1.ndjson"
REQUEST=$(jq -r 'select(.type == "contact_request") | .id' "$WORK/bob-1.ndjson")

say "Bob replies (on the negotiated topic now); Alice's listener prints it"
alice --json listen --count 1 --timeout 30 > "$WORK/alice-1.ndjson" &
LISTENER=$!
bob send "$ALICE" "Hello Alice!" --reply-to "$REQUEST"
wait $LISTENER
jq -r 'select(.type == "message") | "alice got: " + .text + "  (" + (.layers | join(" → ")) + ")"' "$WORK/alice-1.ndjson"

say "Bob is offline; Alice sends three messages"
printf 'Are you there?\nI will leave these with the store.\nSee you!\n' | alice send "$BOB" --each-line -

say "Bob comes back: mailserver fetch recovers them (and acknowledges them)"
bob --json mailserver fetch --since 10m > "$WORK/bob-2.ndjson"
jq -r 'select(.type == "message") | "bob recovered: " + .text' "$WORK/bob-2.ndjson"
jq -r 'select(.type == "summary") | "(\(.pages) page(s), \(.envelopes) envelope(s), \(.duplicates) already seen)"' "$WORK/bob-2.ndjson"

say "Alice sees the acknowledgements"
alice --json listen --timeout 3 | jq -r 'select(.type == "delivered") | "delivered " + .id[0:18] + "…"'
say "done"
