/**
 * The requests this process is answering now. Background work that shares the embedded
 * database with them (a lead import's chunks, ADR 019) goes on only when none is in flight,
 * so a page's queries do not queue behind the job's next transaction while the page is still
 * on its way to the database. server.js counts every request in and out.
 */
let inFlight = 0

export function requestStarted() {
  inFlight++
}

export function requestEnded() {
  inFlight = Math.max(0, inFlight - 1)
}

export function requestsInFlight() {
  return inFlight
}
