package dev.tether.core.account;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The streams (event streams, attach WebSockets) open under each token, so that revoking the
 * token ends them. A stream opened with a ticket is registered under the token that asked for
 * the ticket. Ending runs each stream's action once, guarded: one failing stream never keeps the
 * others open.
 */
final class TokenStreams {
    private static final Logger LOG = Logger.getLogger(TokenStreams.class.getName());

    /** One open stream; identity matters, two streams of one token are two entries. */
    static final class Open {
        final String fingerprint;
        final Caller caller;
        private final Runnable end;

        private Open(String fingerprint, Caller caller, Runnable end) {
            this.fingerprint = fingerprint;
            this.caller = caller;
            this.end = end;
        }
    }

    private final Set<Open> open = ConcurrentHashMap.newKeySet();

    /** Registers a stream; closing the handle (when the stream ends on its own) forgets it. */
    AutoCloseable add(String fingerprint, Caller caller, Runnable end) {
        var o = new Open(fingerprint, caller, end);
        open.add(o);
        return () -> open.remove(o);
    }

    /** How many streams are registered. */
    int size() {
        return open.size();
    }

    /** The fingerprints of the tokens with at least one open stream. */
    Set<String> fingerprints() {
        var all = ConcurrentHashMap.<String>newKeySet();
        open.forEach(o -> all.add(o.fingerprint));
        return all;
    }

    /** Ends (and forgets) every stream {@code which} selects; returns how many. */
    int end(Predicate<Open> which) {
        List<Open> ending = new ArrayList<>();
        for (Open o : open) {
            if (which.test(o) && open.remove(o)) {
                ending.add(o);
            }
        }
        for (Open o : ending) {
            try {
                o.end.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "ending a stream of " + o.caller.user() + " after its token was revoked failed", e);
            }
        }
        return ending.size();
    }
}
