package dev.tether.pty;

import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalListener;
import dev.tether.core.terminal.TerminalSpec;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** One real PTY host for a test class: {@code @RegisterExtension static final Host host = new Host();}. */
final class Host implements BeforeAllCallback, AfterAllCallback {
    private NativePtyHost host;

    @Override
    public void beforeAll(ExtensionContext context) {
        host = NativePtyHost.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        host.close();
    }

    Terminal spawn(TerminalSpec spec, TerminalListener listener) {
        return host.spawn(spec, listener);
    }
}
