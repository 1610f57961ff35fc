package dev.tether.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine a run was measured on: cores, memory, kernel, CPU, load, Java. */
final class Machine {
    private Machine() {
    }

    static Map<String, Object> describe() {
        var m = new LinkedHashMap<String, Object>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memoryBytes", meminfo("MemTotal:"));
        m.put("kernel", read("/proc/sys/kernel/osrelease"));
        m.put("cpu", cpuModel());
        m.put("loadAverage", read("/proc/loadavg"));
        m.put("ptyMax", Limits.ptyMax());
        m.put("openFiles", Limits.openFiles());
        m.put("java", Runtime.version().toString() + " (" + System.getProperty("java.vendor") + ")");
        return m;
    }

    static String summary() {
        var d = describe();
        return String.format("%s cores, %.1f GiB, Linux %s, %s; load %s", d.get("cores"),
                ((Number) d.get("memoryBytes")).doubleValue() / (1L << 30), d.get("kernel"), d.get("cpu"),
                String.valueOf(d.get("loadAverage")).split(" ")[0]);
    }

    private static long meminfo(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
