"""Application payloads: the signed wrapper, message types, ChatMessage, clocks, groups, segments."""
