// kube-apiserver writes through etcd's GuaranteedUpdate: the new object is computed from the stored
// one, and if another write landed meanwhile (admission webhooks and conversion take time) the
// compare-and-swap fails and the update is computed again from the fresh object. Without it two
// concurrent PATCHes (a user's kubectl apply and a controller's finalizer patch) both "succeed"
// and the later one silently drops the earlier one's change.
import { ApiError } from './status.ts';

/** The stored object changed while this write was being prepared: compute it again. */
export class StaleWrite extends Error {
  constructor() {
    super('stored object changed during the write');
  }
}

const ATTEMPTS = 16;

/** Runs `attempt` until it commits without a concurrent write in between (or gives up with 409). */
export async function guaranteedUpdate<T>(
  what: { group: string; plural: string; name: string },
  attempt: () => Promise<T>,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof StaleWrite)) throw err;
      if (i + 1 >= ATTEMPTS)
        throw new ApiError(
          409,
          `Operation cannot be fulfilled on ${what.plural}${what.group ? `.${what.group}` : ''} "${what.name}": the object has been modified; please apply your changes to the latest version and try again`,
          'Conflict',
          { name: what.name, group: what.group, kind: what.plural },
        );
    }
  }
}
