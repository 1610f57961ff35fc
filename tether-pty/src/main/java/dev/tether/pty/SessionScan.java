package dev.tether.pty;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the processes of POSIX sessions in /proc. A shell puts each job in its own process
 * group, so signalling the leader's group misses them; the session id (field 6 of
 * /proc/PID/stat) does not.
 */
final class SessionScan {
    private SessionScan() {
    }

    /**
     * For each of {@code sessionIds}, the processes of that session outside the process group of
     * the same number (those are reached with kill(-sid)). One pass over /proc for all of them.
     */
    static Map<Integer, List<Integer>> outsideLeaderGroup(Set<Integer> sessionIds) {
        Map<Integer, List<Integer>> members = new HashMap<>();
        String[] entries = new File("/proc").list();
        if (entries == null || sessionIds.isEmpty()) {
            return members;
        }
        for (String entry : entries) {
            if (entry.isEmpty() || !Character.isDigit(entry.charAt(0))) {
                continue;
            }
            long ids = sessionAndGroup(entry);
            int session = (int) (ids >>> 32);
            int group = (int) ids;
            if (ids >= 0 && session != group && sessionIds.contains(session)) {
                members.computeIfAbsent(session, s -> new ArrayList<>()).add(Integer.parseInt(entry));
            }
        }
        return members;
    }

    /** (session << 32 | pgrp) of /proc/PID, or -1 when the process is gone or unreadable. */
    private static long sessionAndGroup(String pid) {
        byte[] stat;
        try {
            stat = Files.readAllBytes(Path.of("/proc", pid, "stat"));
        } catch (IOException e) {
            return -1;
        }
        return parse(new String(stat, StandardCharsets.ISO_8859_1));
    }

    /** Parses "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses. */
    static long parse(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return -1;
        }
        String[] fields = stat.substring(close + 2).split(" ", 5);
        if (fields.length < 4) {
            return -1;
        }
        try {
            long group = Integer.parseInt(fields[2]);
            long session = Integer.parseInt(fields[3]);
            return session << 32 | (group & 0xFFFFFFFFL);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
