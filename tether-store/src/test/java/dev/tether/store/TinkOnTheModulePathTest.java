package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.Aead;
import org.junit.jupiter.api.Test;

/**
 * Regression: on a module path, {@code tether serve} stopped at the first {@code TinkVault.open}
 * with {@code NoClassDefFoundError: com/google/gson/JsonParseException}. Tink is an automatic
 * module, which declares no dependencies, so nothing brought Gson (a named module) into the module
 * graph; dev.tether.store now requires it on Tink's behalf. Reproduction: {@code java
 * --module-path <tether-cli's target/classes, its modules' target/classes and dependency jars>
 * -m dev.tether.cli/dev.tether.cli.Main serve}. The store's tests run in the module on surefire's
 * module path, which holds only what the descriptor requires: without the line, Gson is on the
 * class path there and this test fails.
 */
class TinkOnTheModulePathTest {
    @Test
    void theStoreIsANamedModuleWhoseGraphHoldsGsonForTink() {
        Module store = TinkVault.class.getModule();
        Module tink = Aead.class.getModule();

        assertThat(store.getName()).isEqualTo("dev.tether.store");
        assertThat(tink.getDescriptor().isAutomatic()).isTrue();
        assertThat(tink.getLayer().findModule("com.google.gson"))
                .as("Gson in Tink's module layer").isPresent()
                .get().satisfies(gson -> assertThat(tink.canRead(gson)).isTrue());
    }
}
