package dev.tether.cli;

import java.io.Console;
import java.util.Locale;

/** PowerShell's -Confirm prompt, asked on the terminal. End of input counts as "No to All". */
final class Confirm {
    enum Answer { YES, YES_TO_ALL, NO, NO_TO_ALL }

    private Confirm() {
    }

    static Answer ask(Console console, String operation, String target) {
        console.printf("%nConfirm%nAre you sure you want to perform this action?%n"
                + "Performing the operation \"%s\" on target \"%s\".%n", operation, target);
        while (true) {
            String line = console.readLine("[Y] Yes  [A] Yes to All  [N] No  [L] No to All (default is \"Y\"): ");
            if (line == null) {
                return Answer.NO_TO_ALL;
            }
            switch (line.strip().toUpperCase(Locale.ROOT)) {
                case "", "Y", "YES" -> {
                    return Answer.YES;
                }
                case "A" -> {
                    return Answer.YES_TO_ALL;
                }
                case "N", "NO" -> {
                    return Answer.NO;
                }
                case "L" -> {
                    return Answer.NO_TO_ALL;
                }
                default -> console.printf("Please answer Y, A, N or L.%n");
            }
        }
    }
}
