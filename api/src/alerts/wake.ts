import type { ApiDeps } from "../context.js";

// The delivery worker of each api (deps) registers how to wake it; recording deliveries wakes it.
const wakers = new WeakMap<ApiDeps, () => void>();

export function setAlertWaker(deps: ApiDeps, wake: (() => void) | undefined): void {
  if (wake) wakers.set(deps, wake);
  else wakers.delete(deps);
}

/** Delivers now rather than at the next poll (deliveries were just recorded by this instance). */
export function wakeAlertDelivery(deps: ApiDeps): void {
  wakers.get(deps)?.();
}
