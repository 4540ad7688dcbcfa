#!/usr/bin/env bash
# A small bot in shell: listen → decide → reply. It answers "!ping" with "pong", "!time" with the
# time, and anything else with an echo. It remembers the cursor of the last event it handled in
# $STATE_DIR/cursor, so when it is restarted it neither loses nor repeats a message.
#
#   examples/bot.sh [--count N] [--timeout S]     (account from STATUSCLI_HOME/STATUSCLI_ACCOUNT;
#                                                  node from STATUSCLI_NODE or a running node; needs jq)
set -euo pipefail

STATUSCLI=${STATUSCLI:-statuscli}
STATE_DIR=${STATE_DIR:-${STATUSCLI_HOME:-$HOME/.local/share/statuscli}/bot}
mkdir -p "$STATE_DIR"
CURSOR_FILE="$STATE_DIR/cursor"

since=()
if [ -s "$CURSOR_FILE" ]; then since=(--since "$(cat "$CURSOR_FILE")"); fi

answer() { # text -> reply
  case "$1" in
    '!ping'*) echo "pong" ;;
    '!time'*) date -u +"it is %H:%M:%S UTC" ;;
    *) echo "you said: $1" ;;
  esac
}

$STATUSCLI --json listen "${since[@]}" "$@" | while IFS= read -r event; do
  type=$(jq -r .type <<<"$event")
  if [ "$type" = message ] || [ "$type" = contact_request ]; then
    kind=$(jq -r .chat.kind <<<"$event")
    text=$(jq -r .text <<<"$event")
    id=$(jq -r .id <<<"$event")
    reply=$(answer "$text")
    case "$kind" in
      one-to-one) $STATUSCLI send "$(jq -r .from <<<"$event")" "$reply" --reply-to "$id" >/dev/null ;;
      public) $STATUSCLI send --public "$(jq -r .chat.id <<<"$event")" "$reply" --reply-to "$id" >/dev/null ;;
      group) $STATUSCLI send --group "$(jq -r .chat.id <<<"$event")" "$reply" --reply-to "$id" >/dev/null ;;
    esac
    echo "bot: $(jq -r .from_compressed <<<"$event"): $text -> $reply" >&2
  fi
  jq -r .cursor <<<"$event" > "$CURSOR_FILE"   # handled: a restart starts after it
done
