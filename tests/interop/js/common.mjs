// Shared plumbing for the interop drivers (no npm imports, so both sub-projects can load it).
//
// Contract with the Python tests:
//   - stdout carries exactly ONE line: the JSON result object, printed when the driver is done;
//   - stderr carries progress as JSON lines {"event": ..., "t": seconds} (plus any noise from
//     libraries, which the tests ignore because it is not a JSON object with an "event" key);
//   - every driver exits by itself: a watchdog prints {"ok": false, "error": "timeout ..."} and
//     exits with status 3 when --timeout seconds have passed.
import { parseArgs } from 'node:util'

const started = performance.now()

export function elapsed () {
  return Math.round(performance.now() - started) / 1000
}

// JSON.stringify that renders BigInt as decimal strings and bytes as 0x hex.
export function toJson (value) {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return toHex(v)
    return v
  })
}

export function progress (event, fields = {}) {
  process.stderr.write(toJson({ event, t: elapsed(), ...fields }) + '\n')
}

let finished = false

// Print the one result line and exit (after stdout has been flushed).
export function finish (result, code = 0) {
  if (finished) return
  finished = true
  const line = toJson({ ...result, elapsed_s: elapsed() }) + '\n'
  process.stdout.write(line, () => process.exit(code))
}

// Stop the node (at most 2 s; a failure to stop is reported, not fatal), then print the result and exit.
export async function stopAndFinish (node, result) {
  try {
    await Promise.race([node.stop(), sleep(2000)])
  } catch (err) {
    result.stop_error = errorText(err)
  }
  finish(result)
}

export function startWatchdog (seconds, partial = () => ({})) {
  const timer = setTimeout(() => {
    let extra = {}
    try { extra = partial() } catch (err) { extra = { partial_error: String(err) } }
    finish({ ok: false, error: `timeout after ${seconds}s`, ...extra }, 3)
  }, seconds * 1000)
  timer.unref()
}

export function failOnCrash (partial = () => ({})) {
  const crash = (err) => {
    let extra = {}
    try { extra = partial() } catch { /* keep the original error */ }
    finish({ ok: false, error: `${err?.name ?? 'Error'}: ${err?.message ?? err}`, ...extra }, 1)
  }
  process.on('uncaughtException', crash)
  process.on('unhandledRejection', crash)
}

export function parseOptions (options) {
  const { values } = parseArgs({ options, strict: true, allowPositionals: false })
  return values
}

export function toHex (bytes) {
  return '0x' + Buffer.from(bytes).toString('hex')
}

export function fromHex (text) {
  if (typeof text !== 'string') throw new TypeError('expected a hex string')
  const body = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new TypeError(`not hex: ${text.slice(0, 20)}`)
  return new Uint8Array(Buffer.from(body, 'hex'))
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Poll `check` every `everyMs` until it returns a truthy value or `ms` pass; returns the value or undefined.
export async function waitFor (check, ms, everyMs = 50) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() >= deadline) return undefined
    await sleep(everyMs)
  }
}

export async function readStdin () {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

// Resolve with the next line read from stdin (used as a "go" signal), or null at EOF.
export function nextStdinLine () {
  return new Promise((resolve) => {
    let buffered = ''
    const onData = (chunk) => {
      buffered += chunk.toString('utf8')
      const at = buffered.indexOf('\n')
      if (at >= 0) {
        cleanup()
        resolve(buffered.slice(0, at))
      }
    }
    const onEnd = () => { cleanup(); resolve(null) }
    const cleanup = () => {
      process.stdin.off('data', onData)
      process.stdin.off('end', onEnd)
      process.stdin.pause()
    }
    process.stdin.on('data', onData)
    process.stdin.on('end', onEnd)
    process.stdin.resume()
  })
}

export function errorText (err) {
  return `${err?.name ?? 'Error'}: ${err?.message ?? err}`
}
