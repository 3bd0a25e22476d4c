package dev.junction.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM options {@code ./junction} adds by default (docs/performance.md, "Defaults"), and when it
 * leaves them to {@code JAVA_OPTS}. The script is copied beside a built-looking launcher module and
 * run with a {@code java} on the PATH that prints the arguments it was given instead of starting a JVM.
 */
class LauncherScriptTest {

    private static final String SAMPLING = "-Dio.netty.leakDetection.samplingInterval=4096";
    private static final String PARALLEL = "-XX:+UseParallelGC";

    @TempDir
    Path root;

    @Test
    void shipsTheParallelCollectorAndSparseLeakSampling() throws Exception {
        List<String> args = javaArgs(Map.of());
        assertTrue(args.contains(PARALLEL), args.toString());
        assertTrue(args.contains(SAMPLING), args.toString());
        assertEquals("dev.junction.launcher.Main", args.get(args.indexOf("-cp") + 2), args.toString());
    }

    @Test
    void leakDetectionOptionsInJavaOptsReplaceTheSamplingDefault() throws Exception {
        for (String opt : List.of("-Dio.netty.leakDetection.level=paranoid",
                "-Dio.netty.leakDetection.samplingInterval=1", "-Dio.netty.leakDetectionLevel=advanced")) {
            List<String> args = javaArgs(Map.of("JAVA_OPTS", opt));
            assertTrue(args.contains(opt), args.toString());
            assertTrue(args.stream().noneMatch(a -> a.equals(SAMPLING)), opt + ": " + args);
            assertTrue(args.contains(PARALLEL), args.toString());
        }
    }

    @Test
    void aCollectorInJavaOptsReplacesTheParallelDefaultOnly() throws Exception {
        List<String> args = javaArgs(Map.of("JAVA_OPTS", "-XX:+UseG1GC"));
        assertTrue(args.contains("-XX:+UseG1GC") && !args.contains(PARALLEL), args.toString());
        assertTrue(args.contains(SAMPLING), args.toString());
    }

    @Test
    void noDefaultsWhenSwitchedOff() throws Exception {
        List<String> args = javaArgs(Map.of("JUNCTION_JVM_DEFAULTS", "0", "JAVA_OPTS", "-Xmx64m"));
        assertEquals("-Xmx64m", args.get(0), args.toString());
        assertTrue(!args.contains(PARALLEL) && !args.contains(SAMPLING), args.toString());
    }

    /** Runs a copy of {@code ./junction --help} with {@code env} and returns the arguments it gave {@code java}. */
    private List<String> javaArgs(Map<String, String> env) throws IOException, InterruptedException {
        Path script = root.resolve("junction");
        Files.copy(Path.of("..", "junction"), script, StandardCopyOption.REPLACE_EXISTING);
        Path target = Files.createDirectories(root.resolve("launcher/target"));
        Files.writeString(target.resolve("launcher-0.jar"), "");
        Files.writeString(target.resolve("classpath.txt"), "/nowhere.jar");
        Files.writeString(target.resolve(".junction-build-stamp"), ""); // no pom or source is newer: no build
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path java = bin.resolve("java");
        Path printed = root.resolve("java-args.txt");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + printed + "'\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "--help").redirectErrorStream(true);
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("JUNCTION_JVM_DEFAULTS");
        pb.environment().putAll(env);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the script did not end");
        assertEquals(0, p.exitValue(), output);
        List<String> args = Files.readAllLines(printed);
        assertEquals("--help", args.get(args.size() - 1), args.toString());
        return args;
    }
}
