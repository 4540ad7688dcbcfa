// Loaded with `node --import ./node20-polyfill.mjs` before any js-waku module.
//
// libp2p 2.x (used by @waku/sdk 0.0.36) reaches it-queue through mortice, and it-queue calls
// Promise.withResolvers, which Node only ships from version 22. On Node 22+ this file does nothing.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers () {
      const out = {}
      out.promise = new this((resolve, reject) => {
        out.resolve = resolve
        out.reject = reject
      })
      return out
    }
  })
}
