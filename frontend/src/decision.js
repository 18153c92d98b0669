// The beacon's mirror of consent/decision.py: the same signals, the same rules in the same order.
// tests/frontend/test_decision_mirror.py runs this over the Python table, so the two cannot drift apart.
// Returns [collect, storeIdentifiers].
export function decide(choice, dnt, gpc, mode, honourDnt, senderManagesConsent) {
  if (choice === 'denied') return [false, false];
  // An explicit yes is more specific than a browser-wide DNT/GPC default.
  if (choice === 'granted') return [true, true];
  if (honourDnt && (dnt || gpc)) return [false, false];
  if (senderManagesConsent) return [true, true];
  return mode === 'opt_in' ? [false, false] : [true, false];
}
