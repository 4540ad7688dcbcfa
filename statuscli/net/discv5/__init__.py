"""Discovery v5 over UDP on trio: ``service`` (sessions, requests, answers), ``lookup``
(iterative lookups and random walks), ``bounded`` (size-capped maps and a stranger rate limit)."""
