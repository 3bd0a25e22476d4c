package dev.junction.simulator;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatorMainTest {

    @Test
    void runsAsAProcessAndAnnouncesItsAddress() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SimulatorMain.class.getName(), "--port", "0", "--fail-rate", "1", "--fail-status", "503")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern announce = Pattern.compile("simulator listening on (http://127\\.0\\.0\\.1:\\d+)");
            String base = null;
            String line;
            while (base == null && (line = out.readLine()) != null) {
                Matcher m = announce.matcher(line);
                if (m.matches()) {
                    base = m.group(1);
                }
            }
            assertTrue(base != null, "announcement line printed");
            HttpResponse<String> res = Http.post(base + "/v1/chat/completions",
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(503, res.statusCode(), "the fault profile from the flags applies");
        } finally {
            p.destroy();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        }
    }
}
