"""The Waku layer, sans-IO: WakuMessage and its hash, payload v1, v1 envelopes, ENR and enrtree."""
