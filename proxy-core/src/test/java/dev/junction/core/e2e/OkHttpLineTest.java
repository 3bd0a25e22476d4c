package dev.junction.core.e2e;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * openai-java 4.x and MockWebServer must share one OkHttp line on the test classpath (DESIGN
 * "Known pitfalls"); the parent pom pins OkHttp 4.12. This proves both still work together.
 */
class OkHttpLineTest {

    @Test
    void sdkTalksToMockWebServerOnThePinnedOkHttp() throws Exception {
        assertTrue(okhttp3.OkHttp.VERSION.startsWith("4.12"), okhttp3.OkHttp.VERSION);
        try (MockWebServer server = new MockWebServer()) {
            server.enqueue(new MockResponse().setHeader("content-type", "application/json").setBody("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"ok","refusal":null},
                             "logprobs":null,"finish_reason":"stop"}]}"""));
            server.start();
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.url("/v1").toString()).apiKey("k")
                    .maxRetries(0).build();
            String content = client.chat().completions().create(ChatCompletionCreateParams.builder().model("m")
                    .addUserMessage("hi").build()).choices().get(0).message().content().orElseThrow();
            assertEquals("ok", content);
            assertEquals("/v1/chat/completions", server.takeRequest().getPath());
            client.close();
        }
    }
}
