// Runs `task` (a function returning a Promise) while holding the named Web
// Lock, so the tabs of this origin renew the session one after another: the
// server revokes a token family when a spent refresh token is presented
// again, which two tabs refreshing with the same cookie at once would do.
// Browsers without Web Locks run the task at once.
export function withLock(name, task) {
  return navigator.locks ? navigator.locks.request(name, () => task()) : task();
}
