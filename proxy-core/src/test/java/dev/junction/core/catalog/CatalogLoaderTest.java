package dev.junction.core.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogLoaderTest {

    @Test
    void shippedCatalogHasCurrentModelsOfEachVendor() {
        Catalog c = CatalogLoader.loadShipped();
        for (String m : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3", "o4-mini",
                "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-1", "gemini-2.5-flash", "gemini-2.5-pro",
                "gemini-2.5-flash-lite"}) {
            ModelInfo info = c.find(null, m).orElseThrow(() -> new AssertionError(m + " missing"));
            assertTrue(info.catalogued());
            assertTrue(info.contextWindow() > 0 && info.maxOutput() > 0, m);
            assertTrue(info.price().input() > 0 && info.price().output() > info.price().input(), m);
            assertTrue(info.has(Capability.STREAMING) && info.has(Capability.TOOLS), m);
        }
        ModelInfo haiku = c.resolve("anthropic", "claude-haiku-4-5");
        assertEquals(new Price(1.00, 5.00, 0.10, 1.25, 0, 0), haiku.price());
        assertEquals(200000, haiku.contextWindow());
        ModelInfo emb = c.resolve("openai", "text-embedding-3-small");
        assertEquals(EnumSet.of(Capability.EMBEDDINGS), emb.capabilities());
        assertEquals(0.02, emb.price().input());
        assertFalse(c.resolve("gemini", "gemini-2.5-flash").has(Capability.EMBEDDINGS));
        assertEquals(EnumSet.of(Capability.VIDEO), c.resolve("openai", "sora-2").capabilities());
    }

    @Test
    void userEntryOverridesSettingBySettingAndAddsModels() {
        Catalog c = CatalogLoader.parse("""
                "gpt-4.1" { price.input = 1.80 }
                "my-finetune" { context-window = 32768, max-output = 4096, capabilities = [streaming, tools],
                                price { input = 0.5, output = 1.5 } }
                """, "test-catalog");
        ModelInfo gpt41 = c.resolve("openai", "gpt-4.1");
        assertEquals(1.80, gpt41.price().input());
        assertEquals(8.00, gpt41.price().output(), "unchanged settings stay as shipped");
        assertEquals(1047576, gpt41.contextWindow());
        assertTrue(gpt41.has(Capability.VISION));
        ModelInfo mine = c.resolve("local", "my-finetune");
        assertEquals(Set.of(Capability.STREAMING, Capability.TOOLS), mine.capabilities());
        assertEquals(32768, mine.contextWindow());
    }

    @Test
    void providerEntryOverridesOneProviderAndInheritsTheRest() {
        Catalog c = CatalogLoader.parse("\"local/gpt-4o-mini\" { context-window = 32000 }", "test-catalog");
        ModelInfo local = c.resolve("local", "gpt-4o-mini");
        ModelInfo openai = c.resolve("openai", "gpt-4o-mini");
        assertEquals(32000, local.contextWindow());
        assertEquals(128000, openai.contextWindow());
        assertEquals(openai.price(), local.price());
        assertEquals(openai.capabilities(), local.capabilities());
    }

    @Test
    void entryWithoutCapabilitiesOrPriceIsAssumedCapableAndFree() {
        Catalog c = CatalogLoader.parse("\"bare\" { context-window = 1000 }", "t");
        ModelInfo bare = c.resolve("x", "bare");
        assertEquals(EnumSet.allOf(Capability.class), bare.capabilities());
        assertTrue(bare.price().isZero());
        assertEquals(0, bare.maxOutput());
    }

    @Test
    void modelInNoCatalogIsAssumedCapableOfAnythingAndPricedZero() {
        Catalog c = CatalogLoader.loadShipped();
        assertTrue(c.find("openai", "no-such-model").isEmpty());
        ModelInfo info = c.resolve("openai", "no-such-model");
        assertFalse(info.catalogued());
        assertEquals(EnumSet.allOf(Capability.class), info.capabilities());
        assertTrue(info.price().isZero());
    }

    @Test
    void errorsNameTheSettingPath() {
        CatalogException e = assertThrows(CatalogException.class,
                () -> CatalogLoader.parse("\"m\" { capabilities = [streaming, telepathy] }", "user.conf"));
        assertEquals("m.capabilities", e.path());
        assertTrue(e.getMessage().contains("telepathy") && e.getMessage().contains("user.conf"), e.getMessage());

        e = assertThrows(CatalogException.class, () -> CatalogLoader.parse("\"m\" { price { input = -1 } }", "u"));
        assertEquals("m.price.input", e.path());

        e = assertThrows(CatalogException.class, () -> CatalogLoader.parse("\"m\" { context-window = 12.5 }", "u"));
        assertEquals("m.context-window", e.path());

        e = assertThrows(CatalogException.class, () -> CatalogLoader.parse("\"m\" { max-ouput = 10 }", "u"));
        assertEquals("m.max-ouput", e.path());
    }

    @Test
    void unquotedDottedModelNameIsExplained() {
        CatalogException e = assertThrows(CatalogException.class,
                () -> CatalogLoader.parse("gpt-9.5 { context-window = 1000 }", "u"));
        assertTrue(e.getMessage().contains("must be quoted"), e.getMessage());
    }

    @Test
    void missingUserFileIsAnError(@TempDir Path dir) {
        CatalogException e = assertThrows(CatalogException.class, () -> CatalogLoader.load(dir.resolve("nope.conf")));
        assertTrue(e.getMessage().contains("nope.conf"));
    }

    @Test
    void userFileIsLaidOverShippedCatalog(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("catalog.conf");
        Files.writeString(f, "\"claude-haiku-4-5\" { max-output = 8000 }\n");
        Catalog c = CatalogLoader.load(f);
        assertEquals(8000, c.resolve("anthropic", "claude-haiku-4-5").maxOutput());
        assertEquals(200000, c.resolve("anthropic", "claude-haiku-4-5").contextWindow());
    }

    @Test
    void shippedUserCatalogFileChangesNothing() {
        Path repoCatalog = Path.of("..", "conf", "catalog.conf");
        assertTrue(Files.isRegularFile(repoCatalog), "conf/catalog.conf ships with the repository");
        assertEquals(CatalogLoader.loadShipped().entries(), CatalogLoader.load(repoCatalog).entries());
    }

    @Test
    void priceEstimatesAndCosts() {
        Price p = new Price(1.00, 5.00, 0.10, 1.25, 0, 0);
        assertEquals(0.001 + 0.0025, p.estimate(1000, 500), 1e-12);
        // 1000 prompt tokens of which 600 cached and 100 written to cache, 200 output.
        double expected = (300 * 1.00 + 600 * 0.10 + 100 * 1.25 + 200 * 5.00) / 1e6;
        assertEquals(expected, p.cost(1000, 600, 100, 200), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Price.tokens(-1, 0));
    }
}
