package dev.junction.core.http;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cost header's amount: the fast formatting must give BigDecimal's digits for every amount. */
class HttpResponsesTest {

    @Test
    void usdGivesTheBigDecimalDigits() {
        for (double v : List.of(0.0, 1e-10, 4.9e-10, 5e-10, 5.0000001e-10, 1e-9, 1.5e-9, 2.5e-9, 0.000123, 0.0015,
                0.1, 0.3, 0.1 + 0.2, 1.0, 1.5, 10.0, 123.456789, 0.000000001499999, 0.0000000015, 999_999.999999999,
                1e6, 2.5e7, -0.5, 1e-300, Double.MIN_VALUE, 7.3e-5, 3.0e-6 * 1000)) {
            assertEquals(HttpResponses.usdExact(v), HttpResponses.usd(v), "amount " + v);
        }
        assertEquals("0.000123", HttpResponses.usd(0.000123));
        assertEquals("0", HttpResponses.usd(0));
        assertEquals("2", HttpResponses.usd(2));
    }

    @Test
    void usdGivesTheBigDecimalDigitsForRandomPrices() {
        Random random = new Random(11);
        for (int i = 0; i < 300_000; i++) {
            double v = switch (i % 4) {
                // a token count times a per-token price, as the gateway computes a cost
                case 0 -> random.nextInt(200_000) * (random.nextInt(5000) / 1e9);
                case 1 -> random.nextDouble() * Math.pow(10, -random.nextInt(12));
                case 2 -> random.nextInt(100_000_000) / 1e9 + random.nextInt(3) * 5e-10;
                default -> random.nextDouble() * 1000;
            };
            assertEquals(HttpResponses.usdExact(v), HttpResponses.usd(v), "amount " + v);
        }
    }
}
