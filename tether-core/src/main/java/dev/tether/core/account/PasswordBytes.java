package dev.tether.core.account;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A password between chars and UTF-8 bytes without leaving copies behind: the working arrays are
 * sized for the worst case (so no coder grows a copy it would drop unwiped) and wiped. Malformed
 * input (an unpaired surrogate) becomes {@code ?}, as Password4j encoded passwords. Callers wipe
 * what they get once used.
 */
public final class PasswordBytes {
    private PasswordBytes() {
    }

    public static byte[] utf8(char[] password) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        byte[] buffer = new byte[password.length * 3];
        ByteBuffer out = ByteBuffer.wrap(buffer);
        encoder.encode(CharBuffer.wrap(password), out, true);
        encoder.flush(out);
        byte[] bytes = Arrays.copyOf(buffer, out.position());
        Arrays.fill(buffer, (byte) 0);
        return bytes;
    }

    public static char[] chars(byte[] utf8) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        char[] buffer = new char[utf8.length];
        CharBuffer out = CharBuffer.wrap(buffer);
        decoder.decode(ByteBuffer.wrap(utf8), out, true);
        decoder.flush(out);
        char[] chars = Arrays.copyOf(buffer, out.position());
        Arrays.fill(buffer, '\0');
        return chars;
    }
}
