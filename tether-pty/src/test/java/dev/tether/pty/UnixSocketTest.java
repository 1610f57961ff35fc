package dev.tether.pty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** UnixSocket: whole messages with fds attached, between threads of this JVM and with a second process. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a test stuck in a native call fails instead of hanging the build
class UnixSocketTest {
    private static final int[] NO_FDS = new int[0];

    @TempDir
    Path dir;
    private Path path;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<Integer> fds = new ArrayList<>();

    @BeforeEach
    void shortPath() {
        path = dir.resolve("k.sock");
        assertThat(path.toString().length()).as("the @TempDir path must leave room for sun_path").isLessThan(100);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : open.reversed()) closeWithin(c);
        fds.forEach(LibC::close);
    }

    @Test
    void aMessageWithoutFdsArrivesWhole() throws Exception {
        UnixSocket[] pair = pair();
        pair[0].send("hello keeper".getBytes(UTF_8), NO_FDS);
        pair[0].send(new byte[0], NO_FDS);

        UnixSocket.Received received = pair[1].receive();
        assertThat(new String(received.message(), UTF_8)).isEqualTo("hello keeper");
        assertThat(received.fds()).isEmpty();
        assertThat(pair[1].receive().message()).isEmpty();
    }

    @Test
    void anFdSentIsTheSameOpenFileOnTheOtherSide() throws Exception {
        UnixSocket[] pair = pair();
        int[] pipe = pipe();
        pair[0].send("pipe".getBytes(UTF_8), new int[] {pipe[1]});

        int[] received = own(pair[1].receive().fds());
        assertThat(received).hasSize(1).doesNotContain(pipe[1]);
        write(received[0], "through the received fd");
        assertThat(read(pipe[0], 100)).isEqualTo("through the received fd");
    }

    @Test
    void twoHundredFiftyThreeFdsArriveInOneMessageDistinctOpenAndCloseOnExec() throws Exception {
        UnixSocket[] pair = pair();
        int[] pipe = pipe();
        int[] many = new int[UnixSocket.MAX_FDS];
        Arrays.fill(many, pipe[1]);
        pair[0].send("many".getBytes(UTF_8), many);

        UnixSocket.Received message = pair[1].receive();
        int[] received = message.fds();
        assertThat(new String(message.message(), UTF_8)).isEqualTo("many");
        assertThat(received).hasSize(253).doesNotHaveDuplicates().doesNotContain(pipe[0], pipe[1]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            for (int fd : received) {
                assertThat(LibC.fcntl(err, fd, LibC.F_GETFD, 0)).as("fd %d", fd).isEqualTo(LibC.FD_CLOEXEC);
            }
        }
        write(received[252], "x");
        assertThat(read(pipe[0], 1)).isEqualTo("x");
        for (int fd : received) LibC.close(fd);
        LibC.close(pipe[1]);
        fds.remove((Integer) pipe[1]);
        assertThat(read(pipe[0], 1)).as("every copy of the write end is closed: EOF").isEmpty();
    }

    @Test
    void twoHundredFiftyFourFdsAreRefusedWithTheKernelsLimit() throws Exception {
        UnixSocket[] pair = pair();
        int[] pipe = pipe();
        int[] tooMany = new int[254];
        Arrays.fill(tooMany, pipe[1]);

        assertThatThrownBy(() -> pair[0].send("x".getBytes(UTF_8), tooMany))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("at most 253 fds go with one message (the kernel's SCM_MAX_FD); got 254");
        pair[0].send("still usable".getBytes(UTF_8), NO_FDS);
        assertThat(new String(pair[1].receive().message(), UTF_8)).isEqualTo("still usable");
    }

    @Test
    void aMessageOfOneMebibyteLessOneArrivesWholeThoughTheKernelMovesItInPieces() throws Exception {
        UnixSocket[] pair = pair();
        byte[] big = new byte[UnixSocket.MAX_MESSAGE_BYTES - 1];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + i / 251);
        int[] pipe = pipe();
        Started<Void> sent = started("sender", () -> {
            pair[0].send(big, new int[] {pipe[1]}); // larger than the socket buffer: the receiver reads it in pieces
            pair[0].send("next".getBytes(UTF_8), NO_FDS);
            return null;
        });

        UnixSocket.Received received = pair[1].receive();
        own(received.fds());
        assertThat(received.message()).isEqualTo(big);
        assertThat(received.fds()).hasSize(1);
        UnixSocket.Received next = pair[1].receive();
        assertThat(new String(next.message(), UTF_8)).isEqualTo("next");
        assertThat(next.fds()).isEmpty();
        sent.result().get(10, TimeUnit.SECONDS);
    }

    @Test
    void messagesSentBackToBackKeepTheirOwnFds() throws Exception {
        UnixSocket[] pair = pair();
        int[] a = pipe();
        int[] b = pipe();
        pair[0].send("a".getBytes(UTF_8), new int[] {a[1]});
        pair[0].send("none".getBytes(UTF_8), NO_FDS);
        pair[0].send("b".getBytes(UTF_8), new int[] {b[1], b[1]});

        int[] first = own(pair[1].receive().fds());
        assertThat(pair[1].receive().fds()).isEmpty();
        int[] third = own(pair[1].receive().fds());
        assertThat(first).hasSize(1);
        assertThat(third).hasSize(2);
        write(first[0], "A");
        write(third[1], "B");
        assertThat(read(a[0], 10)).isEqualTo("A");
        assertThat(read(b[0], 10)).isEqualTo("B");
    }

    @Test
    void aMessageLongerThanOneMebibyteIsRefusedOnBothSides() throws Exception {
        UnixSocket[] pair = pair();
        assertThatThrownBy(() -> pair[0].send(new byte[UnixSocket.MAX_MESSAGE_BYTES + 1], NO_FDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("at most 1048576 bytes go in one message; got 1048577");

        pair[0].sendRaw(new byte[] {0, 0x10, 0, 1}, NO_FDS); // a length of 1 MiB + 1
        String reason = "pid " + ProcessHandle.current().pid() + " on " + path
                + " sent a message of 1048577 bytes; at most 1048576 go in one";
        assertThatThrownBy(() -> pair[1].receive()).isInstanceOf(IOException.class).hasMessage(reason);
        assertThatThrownBy(() -> pair[1].receive()).isInstanceOf(IOException.class)
                .hasMessageContaining("is out of step after an earlier error (" + reason + "); close it");
    }

    @Test
    void thePeerCredentialsAreThisProcesssPidUidAndGidOnBothEnds() throws Exception {
        UnixSocket[] pair = pair();
        long pid = ProcessHandle.current().pid();
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");

        assertThat(pair[1].peer()).isEqualTo(new UnixSocket.Credentials((int) pid, uid, gid));
        assertThat(pair[0].peer()).isEqualTo(new UnixSocket.Credentials((int) pid, uid, gid));
        Path other = dir.resolve("other.sock");
        try (UnixSocket listener = UnixSocket.listen(other)) {
            assertThatThrownBy(listener::peer).isInstanceOf(IllegalStateException.class)
                    .hasMessage(other + " is a listening socket: it has no peer");
        }
    }

    @Test
    void aPeerThatClosesBetweenMessagesEndsReceiveWithNull() throws Exception {
        UnixSocket[] pair = pair();
        pair[0].send("last".getBytes(UTF_8), NO_FDS);
        pair[0].close();

        assertThat(new String(pair[1].receive().message(), UTF_8)).isEqualTo("last");
        assertThat(pair[1].receive()).isNull();
        assertThat(pair[1].receive()).isNull();
    }

    @Test
    void aPeerProcessThatDiesInsideAMessageIsAnIOException() throws Exception {
        UnixSocket listener = listener();
        Process peer = peerProcess(List.of(), ChildJvm.classPath(), "half");
        UnixSocket accepted = track(listener.accept());
        assertThat(peer.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(accepted::receive).isInstanceOf(IOException.class)
                .hasMessage("pid " + peer.pid() + " on " + path + " closed the connection inside a message (after 10 of its 100 bytes)");
    }

    @Test
    void theSocketFileIsMode0600() throws Exception {
        listener();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
        assertThat(Files.readAttributes(path, "unix:mode").get("mode")).isEqualTo(0140600); // S_IFSOCK | 0600
    }

    @Test
    void aPathOf107BytesIsTakenAndOneOf108IsRefusedWithItsLength() throws Exception {
        String base = dir + "/";
        Path longest = Path.of(base + "a".repeat(107 - base.length()));
        Path tooLong = Path.of(base + "b".repeat(108 - base.length()));

        try (UnixSocket ok = UnixSocket.listen(longest); UnixSocket client = UnixSocket.connect(longest)) {
            assertThat(client.peer().pid()).isEqualTo((int) ProcessHandle.current().pid());
        }
        String reason = ": the path is 108 bytes, and a UNIX socket's path holds at most 107 (sun_path is 108 bytes with its NUL);"
                + " use a shorter directory";
        assertThatThrownBy(() -> UnixSocket.listen(tooLong)).isInstanceOf(IOException.class)
                .hasMessage("cannot listen on " + tooLong + reason);
        assertThatThrownBy(() -> UnixSocket.connect(tooLong)).isInstanceOf(IOException.class)
                .hasMessage("cannot connect to " + tooLong + reason);
        assertThat(tooLong).doesNotExist();
    }

    @Test
    void listeningWhereAFileIsAndConnectingWhereNoneListensNameThePathAndTheReason() throws Exception {
        Files.writeString(path, "stale");
        assertThatThrownBy(() -> UnixSocket.listen(path)).isInstanceOf(IOException.class)
                .hasMessage("cannot listen on " + path + ": Address already in use (a file is already there; remove a stale socket first)");
        Files.delete(path);
        assertThatThrownBy(() -> UnixSocket.connect(path)).isInstanceOf(IOException.class)
                .hasMessage("cannot connect to " + path + ": No such file or directory");
        listener().close();
        assertThatThrownBy(() -> UnixSocket.connect(path)).isInstanceOf(IOException.class)
                .hasMessage("cannot connect to " + path + ": Connection refused");
    }

    @Test
    void fdsTheKernelDroppedAreAnIOExceptionAndNoneThatArrivedLeak() throws Exception {
        UnixSocket[] pair = pair();
        int[] pipe = pipe(LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        int[] ten = new int[10];
        Arrays.fill(ten, pipe[1]);
        Set<String> before = openFds();

        pair[0].send("ten".getBytes(UTF_8), ten);
        pair[0].send("after".getBytes(UTF_8), NO_FDS);
        int room = 24; // CMSG_SPACE(4): 8 bytes of data, room for two fds
        assertThatThrownBy(() -> pair[1].receive(room)).isInstanceOf(IOException.class)
                .hasMessage("pid " + ProcessHandle.current().pid() + " on " + path
                        + " sent more fds than a control buffer of 24 bytes holds (MSG_CTRUNC): the kernel dropped the rest, and the 2 that arrived were closed");

        assertThat(openFds()).isEqualTo(before);
        LibC.close(pipe[1]);
        fds.remove((Integer) pipe[1]);
        assertThat(read(pipe[0], 1)).as("no copy of the write end is left open: EOF").isEmpty();
        assertThat(new String(pair[1].receive().message(), UTF_8)).as("the stream is still in step").isEqualTo("after");
    }

    @Test
    void aPeerThatSpreadsMoreThan253FdsOverOneMessageIsRefusedAndNoneLeak() throws Exception {
        UnixSocket[] pair = pair();
        int[] pipe = pipe(LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        int[] many = new int[200];
        Arrays.fill(many, pipe[1]);
        Set<String> before = openFds();

        byte[] head = new byte[4 + 100];
        head[3] = (byte) 200; // a length of 200: this body's first 100 bytes, then 100 more in a second sendmsg
        pair[0].sendRaw(head, many);
        pair[0].sendRaw(new byte[100], many);
        pair[0].send("after".getBytes(UTF_8), NO_FDS);
        assertThatThrownBy(() -> pair[1].receive()).isInstanceOf(IOException.class)
                .hasMessage("pid " + ProcessHandle.current().pid() + " on " + path
                        + " sent 400 fds with one message; at most 253 go with one, and all were closed");

        assertThat(openFds()).isEqualTo(before);
        LibC.close(pipe[1]);
        fds.remove((Integer) pipe[1]);
        assertThat(read(pipe[0], 1)).as("no copy of the write end is left open: EOF").isEmpty();
        assertThat(new String(pair[1].receive().message(), UTF_8)).as("the stream is still in step").isEqualTo("after");
    }

    @Test
    void aSecondProcessHandsOverAPtyMasterThatThisProcessThenUses() throws Exception {
        UnixSocket listener = listener();
        Process peer = peerProcess(List.of(), ChildJvm.classPath(), "pty");
        UnixSocket keeper = track(listener.accept());
        assertThat(keeper.peer().pid()).isEqualTo((int) peer.pid());

        UnixSocket.Received handOver = keeper.receive();
        int master = own(handOver.fds())[0];
        assertThat(new String(handOver.message(), UTF_8)).startsWith("/dev/pts/");
        write(master, "typed by the server\r");
        assertThat(new String(keeper.receive().message(), UTF_8)).isEqualTo("got: typed by the server");
        assertThat(keeper.receive()).isNull();
        assertThat(peer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(peer.exitValue()).isZero();
    }

    @Test
    void aPeerRunningAsAnotherUidIsSeenWithThatUid() throws Exception {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        UnixSocket listener = listener();
        if (uid != 0) {
            try (UnixSocket client = UnixSocket.connect(path); UnixSocket accepted = listener.accept()) {
                assertThat(accepted.peer().uid()).isEqualTo(uid);
            }
            Assumptions.abort("not root: a peer of another uid needs setpriv --reuid, which only root may run; checked the own uid " + uid);
        }
        assertThat(Path.of("/usr/bin/setpriv")).as("setpriv (util-linux)").isExecutable();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setAttribute(path, "unix:uid", 65534); // the socket stays 0600, owned by the peer's account
        Path classes = Files.createDirectory(dir.resolve("cp"));
        Files.setPosixFilePermissions(classes, PosixFilePermissions.fromString("rwxr-xr-x"));
        copyClasses(UnixSocket.class, classes, "UnixSocket", "LibC");
        copyClasses(UnixSocketPeerMain.class, classes, "UnixSocketPeerMain");
        Process peer = peerProcess(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), classes.toString(),
                "hello");
        UnixSocket accepted = track(listener.accept());

        assertThat(accepted.peer().uid()).isEqualTo(65534);
        assertThat(accepted.peer().gid()).isEqualTo(65534);
        assertThat(new String(accepted.receive().message(), UTF_8)).isEqualTo("hello");
        assertThat(peer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(peer.exitValue()).isZero();
    }

    @Test
    void shutdownInputWakesAReceiveBlockedOnAnotherThreadWithNull() throws Exception {
        UnixSocket[] pair = pair();
        Started<UnixSocket.Received> received = started("receiver", pair[1]::receive);
        await().atMost(Duration.ofSeconds(10)).until(() -> inNative(received.thread(), "recvmsg"));

        pair[1].shutdownInput();
        assertThat(received.result().get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void closeWakesABlockedAcceptAndABlockedSendAndASecondCloseDoesNothing() throws Exception {
        UnixSocket listener = listener();
        Started<UnixSocket> accepted = started("acceptor", listener::accept);
        await().atMost(Duration.ofSeconds(10)).until(() -> inNative(accepted.thread(), "accept4"));
        closeWithin(listener);
        closeWithin(listener);
        assertThatThrownBy(() -> accepted.result().get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IOException.class)
                .hasRootCauseMessage(path + " is closed");

        Files.delete(path);
        UnixSocket[] pair = pair();
        Started<Void> sent = started("sender", () -> {
            pair[0].send(new byte[UnixSocket.MAX_MESSAGE_BYTES], NO_FDS); // more than the peer's buffer: blocks
            return null;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(pair[1]) > 64 * 1024);
        closeWithin(pair[0]);
        assertThatThrownBy(() -> sent.result().get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IOException.class)
                .hasRootCauseMessage(path + " is closed");
        assertThatThrownBy(() -> pair[0].send(new byte[1], NO_FDS)).isInstanceOf(IOException.class).hasMessage(path + " is closed");
    }

    @Test
    void twoThreadsSendingAtOnceNeverInterleaveTheirMessages() throws Exception {
        UnixSocket[] pair = pair();
        byte[] a = new byte[100_000];
        byte[] b = new byte[100_000];
        Arrays.fill(a, (byte) 'a');
        Arrays.fill(b, (byte) 'b');
        List<Started<Void>> senders = Stream.of(a, b).map(bytes -> UnixSocketTest.<Void>started("sender", () -> {
            for (int i = 0; i < 50; i++) pair[0].send(bytes, NO_FDS);
            return null;
        })).toList();

        for (int i = 0; i < 100; i++) {
            byte[] message = pair[1].receive().message();
            assertThat(message).satisfiesAnyOf(m -> assertThat(m).isEqualTo(a), m -> assertThat(m).isEqualTo(b));
        }
        for (Started<Void> s : senders) s.result().get(10, TimeUnit.SECONDS);
    }

    // --- helpers

    /** close() on another thread, which must return soon: a close that waits for a blocked call to end fails here. */
    private static void closeWithin(AutoCloseable socket) throws Exception {
        started("closer", () -> {
            socket.close();
            return null;
        }).result().get(10, TimeUnit.SECONDS);
    }

    /** A call running on its own (daemon) thread, so a call stuck in the kernel can be seen there and never hangs the build. */
    private record Started<T>(Thread thread, FutureTask<T> result) {
    }

    private static <T> Started<T> started(String name, Callable<T> call) {
        FutureTask<T> result = new FutureTask<>(call);
        return new Started<>(Thread.ofPlatform().daemon().name("test-" + name).start(result), result);
    }

    private UnixSocket listener() throws IOException {
        return track(UnixSocket.listen(path));
    }

    /** [connected client, the listener's accepted end]; the listener stays open until the test ends. */
    private UnixSocket[] pair() throws IOException {
        UnixSocket listener = listener();
        UnixSocket client = track(UnixSocket.connect(path));
        return new UnixSocket[] {client, track(listener.accept())};
    }

    private <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private int[] own(int[] received) {
        for (int fd : received) fds.add(fd);
        return received;
    }

    private int[] pipe() {
        return pipe(LibC.O_CLOEXEC);
    }

    private int[] pipe(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ends = arena.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(LibC.pipe2(LibC.newErrno(arena), ends, flags)).isZero();
            int[] pipe = ends.toArray(ValueLayout.JAVA_INT);
            return own(pipe);
        }
    }

    private static void write(int fd, String text) {
        byte[] bytes = text.getBytes(UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            assertThat(LibC.writeHeap(LibC.newErrno(arena), fd, MemorySegment.ofArray(bytes), bytes.length)).isEqualTo(bytes.length);
        }
    }

    /** One read(2): its bytes as text, "" at EOF; a non-blocking fd with nothing to read fails the test. */
    private static String read(int fd, int max) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(max);
            long n = LibC.read(LibC.newErrno(arena), fd, buf, max);
            assertThat(n).as("read(%d): %s", fd, n < 0 ? LibC.strerror((int) -n) : "").isNotNegative();
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), UTF_8);
        }
    }

    /** Bytes waiting in a socket's receive queue (ioctl SIOCINQ). */
    private static int queued(UnixSocket socket) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            assertThat(LibC.ioctl(LibC.newErrno(arena), socket.fd(), 0x541B, count)).isZero();
            return count.get(ValueLayout.JAVA_INT, 0);
        }
    }

    private static Set<String> openFds() throws IOException {
        try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(HashSet::new));
        }
    }

    private static boolean inNative(Thread thread, String call) {
        return thread != null && Arrays.stream(thread.getStackTrace()).anyMatch(f -> f.getMethodName().equals(call));
    }

    /** Starts UnixSocketPeerMain playing {@code part}, with {@code prefix} (setpriv) before java. */
    private Process peerProcess(List<String> prefix, String classpath, String part) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                "-XX:-UsePerfData", "-Xshare:auto", "-cp", classpath, UnixSocketPeerMain.class.getName(), part, path.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        open.add(() -> process.destroyForcibly().waitFor(10, TimeUnit.SECONDS));
        return process;
    }

    /** Copies the classes named {@code prefixes} (and their nested ones) of {@code anchor}'s package into {@code root}. */
    private static void copyClasses(Class<?> anchor, Path root, String... prefixes) throws Exception {
        Path from = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("dev/tether/pty");
        Path to = Files.createDirectories(root.resolve("dev/tether/pty"));
        for (Path p : List.of(root.resolve("dev"), root.resolve("dev/tether"), to)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (IntStream.range(0, prefixes.length).anyMatch(i -> name.equals(prefixes[i] + ".class") || name.startsWith(prefixes[i] + "$"))) {
                    Files.setPosixFilePermissions(Files.copy(file, to.resolve(name)), PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }
}
