package dev.tether.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.account.PasswordBytes;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Linux-PAM through the FFM linker ({@code libpam.so.0}, Debian's {@code libpam0g}): the keeper, root in
 * multi-user mode, checks a Tether user's Linux password under the service Tether ships
 * ({@code dist/pam/tether}): {@code pam_authenticate}, then {@code pam_acct_mgmt}.
 *
 * <p><b>Handles and threads.</b> Every call makes its own handle with {@code pam_start} and ends it with
 * {@code pam_end}, so calls on different threads share nothing. The conversation function is one upcall stub
 * for the whole JVM; what it answers (the password) and what it collects (the modules' messages) is bound
 * for the duration of each call in a {@link ScopedValue}. Linux-PAM calls the conversation synchronously,
 * from inside {@code pam_authenticate} and friends, on the thread that called them; a call from any other
 * thread finds nothing bound and is refused with {@code PAM_CONV_ERR}. An upcall must never throw (the JVM
 * would exit), so {@link #converse} catches everything.
 *
 * <p><b>The conversation ABI</b> (Linux-PAM's, not Solaris'): {@code int conv(int n, const struct pam_message
 * **msg, struct pam_response **resp, void *appdata)} where {@code msg} is an array of {@code n} pointers, each
 * to a {@code struct pam_message {int msg_style; const char *msg;}} (16 bytes on 64-bit), and {@code *resp}
 * must be set to an array of {@code n} {@code struct pam_response {char *resp; int resp_retcode;}} (16 bytes)
 * that the caller frees, as it frees each {@code resp} string: both come from libc's allocator
 * ({@code calloc}, {@code malloc}), never from an arena. On failure nothing is handed over.
 *
 * <p><b>The password</b> is encoded into one Java array sized up front (no growing copies), copied into a
 * {@code malloc}'ed string per prompt that PAM owns from then on (pam_unix overwrites and frees it), and the
 * Java array is wiped before the call returns. Failures may take about 2 s: pam_unix asks libpam for its fail
 * delay, which sleeps on the calling thread, so call this off event loops.
 *
 * <p><b>Sessions</b> are not opened here: PAM session modules act on the process that calls them, and the
 * keeper is one process for every session of every user. Each log-on's own {@link LogOnLeader} opens its
 * session.
 */
public final class Pam {
    static final int PAM_SUCCESS = 0;
    static final int PAM_BUF_ERR = 5;
    static final int PAM_CONV_ERR = 19;

    private static final int PAM_RHOST = 4;
    private static final int PAM_DISALLOW_NULL_AUTHTOK = 0x1;

    private static final int PAM_PROMPT_ECHO_OFF = 1;
    private static final int PAM_PROMPT_ECHO_ON = 2;
    private static final int PAM_ERROR_MSG = 3;
    private static final int PAM_TEXT_INFO = 4;
    /** Linux-PAM's PAM_MAX_NUM_MSG: more messages in one conversation are refused. */
    private static final int PAM_MAX_NUM_MSG = 32;
    /** Linux-PAM's PAM_MAX_MSG_SIZE, a bound on the strings read from a module. */
    private static final long PAM_MAX_MSG_SIZE = 512;
    private static final long MESSAGE_BYTES = 16;
    private static final long RESPONSE_BYTES = 16;
    private static final long CONV_BYTES = 16;

    private static final ScopedValue<Conversation> CONVERSATION = ScopedValue.newInstance();

    private Pam() {
    }

    /** Whether {@code libpam.so.0} can be loaded; the other methods fail with a sentence when it cannot. */
    public static boolean available() {
        return Native.FAILURE == null;
    }

    /**
     * What PAM decided: {@code ok}, the name of PAM's return code ({@code PAM_SUCCESS}, {@code PAM_AUTH_ERR},
     * {@code PAM_ACCT_EXPIRED}, ...), the call that decided ({@code pam_authenticate} or
     * {@code pam_acct_mgmt}), and a sentence: {@code pam_strerror}'s, then whatever error and information
     * messages the modules sent through the conversation.
     */
    public record Result(boolean ok, String code, String step, String message) {}

    /**
     * Checks {@code user}'s password and account under {@code service}: {@code pam_authenticate} with
     * {@code PAM_DISALLOW_NULL_AUTHTOK}, then {@code pam_acct_mgmt}. The configuration is read from
     * {@code confDir} ({@code pam_start_confdir}, Linux-PAM 1.4 and later) or, when it is null, from
     * /etc/pam.d. The caller keeps {@code password} and wipes it; every copy made here is wiped or handed to PAM.
     */
    public static Result authenticate(String service, Path confDir, String user, char[] password, String remoteHost) {
        check(service, user);
        if (password == null) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "cannot authenticate " + user + ": no password given");
        }
        byte[] secret = PasswordBytes.utf8(password);
        try (Arena arena = Arena.ofConfined()) {
            Conversation conversation = new Conversation(secret);
            return ScopedValue.where(CONVERSATION, conversation).call(() -> {
                MemorySegment pamh = start(arena, service, confDir, user, conversation);
                int status = PAM_SUCCESS;
                String step = "pam_authenticate";
                try {
                    setItem(arena, pamh, PAM_RHOST, remoteHost);
                    status = Native.call(Native.AUTHENTICATE, pamh, PAM_DISALLOW_NULL_AUTHTOK);
                    if (status == PAM_SUCCESS) {
                        step = "pam_acct_mgmt";
                        status = Native.call(Native.ACCT_MGMT, pamh, PAM_DISALLOW_NULL_AUTHTOK);
                    }
                    return new Result(status == PAM_SUCCESS, codeName(status), step, sentence(pamh, status, conversation));
                } finally {
                    end(pamh, status);
                }
            });
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private static void check(String service, String user) {
        if (Native.FAILURE != null) {
            throw new TetherException(ResultCode.UNAVAILABLE, "PAM is not available: " + Native.FAILURE);
        }
        if (service == null || service.isEmpty() || service.contains("/") || service.indexOf('\0') >= 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "the PAM service name \"" + service + "\" is not a file name in the PAM configuration folder");
        }
        if (user == null || user.isEmpty() || user.indexOf('\0') >= 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the user name \"" + user + "\" is not one PAM can look up");
        }
    }

    private static MemorySegment start(Arena arena, String service, Path confDir, String user, Conversation conversation) {
        MemorySegment conv = arena.allocate(CONV_BYTES, 8);
        conv.set(ADDRESS, 0, Native.CONVERSE); // appdata_ptr stays NULL: the ScopedValue carries the state
        MemorySegment handle = arena.allocate(ADDRESS);
        int r;
        try {
            r = confDir == null
                    ? (int) Native.START.invokeExact(arena.allocateFrom(service), arena.allocateFrom(user), conv, handle)
                    : (int) Native.START_CONFDIR.invokeExact(arena.allocateFrom(service), arena.allocateFrom(user), conv,
                            arena.allocateFrom(confDir.toAbsolutePath().toString()), handle);
        } catch (Throwable t) {
            throw Native.linkFailure(t);
        }
        MemorySegment pamh = handle.get(ADDRESS, 0);
        if (r != PAM_SUCCESS) {
            String reason = pamh.equals(MemorySegment.NULL) ? codeName(r) : sentence(pamh, r, conversation);
            if (!pamh.equals(MemorySegment.NULL)) {
                end(pamh, r);
            }
            throw new TetherException(ResultCode.UNAVAILABLE, "cannot start PAM (service " + service + ", configuration in "
                    + (confDir == null ? "/etc/pam.d" : confDir) + ") for " + user + ": " + codeName(r) + ", " + reason);
        }
        return pamh;
    }

    private static void setItem(Arena arena, MemorySegment pamh, int item, String value) {
        if (value == null) {
            return;
        }
        try {
            int r = (int) Native.SET_ITEM.invokeExact(pamh, item, arena.allocateFrom(value));
            if (r != PAM_SUCCESS) {
                throw new TetherException(ResultCode.INTERNAL, "pam_set_item " + item + " failed: " + codeName(r));
            }
        } catch (TetherException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkFailure(t);
        }
    }

    private static void end(MemorySegment pamh, int status) {
        try {
            int ignored = (int) Native.END.invokeExact(pamh, status);
        } catch (Throwable t) {
            throw Native.linkFailure(t);
        }
    }

    private static String sentence(MemorySegment pamh, int status, Conversation conversation) {
        String said = strerror(pamh, status);
        List<String> messages = conversation.messages();
        return messages.isEmpty() ? said : said + " (" + String.join(" ", messages) + ")";
    }

    private static String strerror(MemorySegment pamh, int status) {
        try {
            return ((MemorySegment) Native.STRERROR.invokeExact(pamh, status)).reinterpret(PAM_MAX_MSG_SIZE).getString(0);
        } catch (Throwable t) {
            return codeName(status);
        }
    }

    /** What one call answers and what the modules told it. */
    private record Conversation(byte[] secret, List<String> messages) {
        Conversation(byte[] secret) {
            this(secret, new ArrayList<>());
        }
    }

    /**
     * The conversation upcall. Answers every prompt with the password (a session's conversation has none and
     * refuses prompts), keeps error and information messages, refuses other styles; never throws.
     */
    private static int converse(int count, MemorySegment messages, MemorySegment responses, MemorySegment appdata) {
        MemorySegment answers = MemorySegment.NULL;
        try {
            if (!CONVERSATION.isBound() || count <= 0 || count > PAM_MAX_NUM_MSG
                    || messages.equals(MemorySegment.NULL) || responses.equals(MemorySegment.NULL)) {
                return PAM_CONV_ERR;
            }
            Conversation conversation = CONVERSATION.get();
            answers = Native.calloc(count, RESPONSE_BYTES);
            if (answers.equals(MemorySegment.NULL)) {
                return PAM_BUF_ERR;
            }
            answers = answers.reinterpret(count * RESPONSE_BYTES);
            MemorySegment pointers = messages.reinterpret(count * ADDRESS.byteSize());
            for (int i = 0; i < count; i++) {
                MemorySegment message = pointers.getAtIndex(ADDRESS, i).reinterpret(MESSAGE_BYTES);
                int style = message.get(JAVA_INT, 0);
                MemorySegment text = message.get(ADDRESS, 8);
                switch (style) {
                    case PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON -> {
                        if (conversation.secret() == null) {
                            freeAnswers(answers, count);
                            return PAM_CONV_ERR;
                        }
                        MemorySegment copy = Native.copyToC(conversation.secret());
                        if (copy.equals(MemorySegment.NULL)) {
                            freeAnswers(answers, count);
                            return PAM_BUF_ERR;
                        }
                        answers.set(ADDRESS, i * RESPONSE_BYTES, copy);
                    }
                    case PAM_ERROR_MSG, PAM_TEXT_INFO -> {
                        if (!text.equals(MemorySegment.NULL)) {
                            String said = text.reinterpret(PAM_MAX_MSG_SIZE).getString(0).strip();
                            if (!said.isEmpty()) {
                                conversation.messages().add(said);
                            }
                        }
                    }
                    default -> {
                        freeAnswers(answers, count);
                        return PAM_CONV_ERR;
                    }
                }
            }
            responses.reinterpret(ADDRESS.byteSize()).set(ADDRESS, 0, answers);
            return PAM_SUCCESS;
        } catch (Throwable t) {
            try {
                if (!answers.equals(MemorySegment.NULL)) {
                    freeAnswers(answers, count);
                }
            } catch (Throwable ignored) {
                // nothing more can be done inside an upcall
            }
            return PAM_CONV_ERR;
        }
    }

    /** Frees an answer array of ours and the strings in it, overwriting the strings first (they may be the password). */
    private static void freeAnswers(MemorySegment answers, int count) {
        for (int i = 0; i < count; i++) {
            MemorySegment resp = answers.get(ADDRESS, i * RESPONSE_BYTES);
            if (!resp.equals(MemorySegment.NULL)) {
                MemorySegment s = resp.reinterpret(Integer.MAX_VALUE);
                long length = 0;
                while (s.get(JAVA_BYTE, length) != 0) {
                    length++;
                }
                s.asSlice(0, length).fill((byte) 0);
                Native.free(resp);
            }
        }
        Native.free(answers);
    }


    static String codeName(int code) {
        return switch (code) {
            case 0 -> "PAM_SUCCESS";
            case 1 -> "PAM_OPEN_ERR";
            case 2 -> "PAM_SYMBOL_ERR";
            case 3 -> "PAM_SERVICE_ERR";
            case 4 -> "PAM_SYSTEM_ERR";
            case 5 -> "PAM_BUF_ERR";
            case 6 -> "PAM_PERM_DENIED";
            case 7 -> "PAM_AUTH_ERR";
            case 8 -> "PAM_CRED_INSUFFICIENT";
            case 9 -> "PAM_AUTHINFO_UNAVAIL";
            case 10 -> "PAM_USER_UNKNOWN";
            case 11 -> "PAM_MAXTRIES";
            case 12 -> "PAM_NEW_AUTHTOK_REQD";
            case 13 -> "PAM_ACCT_EXPIRED";
            case 14 -> "PAM_SESSION_ERR";
            case 15 -> "PAM_CRED_UNAVAIL";
            case 16 -> "PAM_CRED_EXPIRED";
            case 17 -> "PAM_CRED_ERR";
            case 18 -> "PAM_NO_MODULE_DATA";
            case 19 -> "PAM_CONV_ERR";
            case 20 -> "PAM_AUTHTOK_ERR";
            case 21 -> "PAM_AUTHTOK_RECOVERY_ERR";
            case 22 -> "PAM_AUTHTOK_LOCK_BUSY";
            case 23 -> "PAM_AUTHTOK_DISABLE_AGING";
            case 24 -> "PAM_TRY_AGAIN";
            case 25 -> "PAM_IGNORE";
            case 26 -> "PAM_ABORT";
            case 27 -> "PAM_AUTHTOK_EXPIRED";
            case 28 -> "PAM_MODULE_UNKNOWN";
            case 29 -> "PAM_BAD_ITEM";
            case 30 -> "PAM_CONV_AGAIN";
            case 31 -> "PAM_INCOMPLETE";
            default -> "PAM error " + code;
        };
    }

    /** libpam's and libc's calls, bound when first used; {@link #FAILURE} says why libpam could not be loaded. */
    private static final class Native {
        static final String FAILURE;
        static final MethodHandle START;
        static final MethodHandle START_CONFDIR;
        static final MethodHandle END;
        static final MethodHandle SET_ITEM;
        static final MethodHandle AUTHENTICATE;
        static final MethodHandle ACCT_MGMT;
        static final MethodHandle STRERROR;
        static final MemorySegment CONVERSE;

        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup LIBC = LINKER.defaultLookup();
        // PAM frees what the conversation hands it with free(3), so it must come from libc's malloc.
        private static final MethodHandle CALLOC = LINKER.downcallHandle(LIBC.findOrThrow("calloc"),
                FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
        private static final MethodHandle MALLOC = LINKER.downcallHandle(LIBC.findOrThrow("malloc"),
                FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        private static final MethodHandle FREE = LINKER.downcallHandle(LIBC.findOrThrow("free"),
                FunctionDescriptor.ofVoid(ADDRESS));

        static {
            SymbolLookup pam = null;
            String failure = null;
            try {
                pam = SymbolLookup.libraryLookup("libpam.so.0", Arena.global());
            } catch (IllegalArgumentException e) {
                failure = "libpam.so.0 cannot be loaded (install Debian's libpam0g): " + e.getMessage();
            }
            FAILURE = failure;
            FunctionDescriptor pamhInt = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
            START = bind(pam, "pam_start", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            START_CONFDIR = bind(pam, "pam_start_confdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            END = bind(pam, "pam_end", pamhInt);
            SET_ITEM = bind(pam, "pam_set_item", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
            AUTHENTICATE = bind(pam, "pam_authenticate", pamhInt);
            ACCT_MGMT = bind(pam, "pam_acct_mgmt", pamhInt);
            STRERROR = bind(pam, "pam_strerror", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            MemorySegment converse = null;
            if (pam != null) {
                try {
                    MethodHandle target = MethodHandles.lookup().findStatic(Pam.class, "converse", MethodType.methodType(
                            int.class, int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class));
                    converse = LINKER.upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
                            Arena.global());
                } catch (ReflectiveOperationException e) {
                    throw new ExceptionInInitializerError(e);
                }
            }
            CONVERSE = converse;
        }

        private Native() {
        }

        /** Null when libpam is missing (then {@link #FAILURE} is set and nothing calls it). */
        private static MethodHandle bind(SymbolLookup pam, String name, FunctionDescriptor descriptor) {
            if (pam == null) {
                return null;
            }
            MemorySegment symbol = pam.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                    "libpam.so.0 has no " + name + " (Linux-PAM 1.4 or later is required)"));
            return LINKER.downcallHandle(symbol, descriptor);
        }

        /** One of the {@code int f(pam_handle_t *, int flags)} calls. */
        static int call(MethodHandle function, MemorySegment pamh, int flags) {
            try {
                return (int) function.invokeExact(pamh, flags);
            } catch (Throwable t) {
                throw linkFailure(t);
            }
        }

        static MemorySegment calloc(long count, long size) throws Throwable {
            return (MemorySegment) CALLOC.invokeExact(count, size);
        }

        /** A NUL-terminated malloc'ed copy of {@code bytes}, or NULL. */
        static MemorySegment copyToC(byte[] bytes) throws Throwable {
            MemorySegment copy = (MemorySegment) MALLOC.invokeExact((long) bytes.length + 1);
            if (copy.equals(MemorySegment.NULL)) {
                return copy;
            }
            copy = copy.reinterpret(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, copy, JAVA_BYTE, 0, bytes.length);
            copy.set(JAVA_BYTE, bytes.length, (byte) 0);
            return copy;
        }

        static void free(MemorySegment pointer) {
            try {
                FREE.invokeExact(pointer);
            } catch (Throwable t) {
                throw linkFailure(t);
            }
        }

        static RuntimeException linkFailure(Throwable t) {
            if (t instanceof RuntimeException e) {
                return e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            return new IllegalStateException("native call to libpam failed", t);
        }
    }
}
