package dev.junction.core.limits;

/**
 * One gateway key's limits and where it stands (for {@code /admin/stats} and the dashboard): null
 * limits are unlimited. Spend is in USD for the current UTC day and month.
 *
 * @param store where the figures come from: {@code local}, {@code redis}, or {@code redis (last seen)}
 *              when they are this instance's latest view of the shared store
 */
public record KeyStatus(String key, Integer rpm, Long remainingRequests, Long tpm, Long remainingTokens,
                        Integer maxConcurrent, long inFlight, Double budgetUsdPerDay, double spendUsdToday,
                        Double budgetUsdPerMonth, double spendUsdThisMonth, String store) {
}
