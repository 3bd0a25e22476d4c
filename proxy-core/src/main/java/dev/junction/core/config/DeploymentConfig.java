package dev.junction.core.config;

/** One deployment of an alias: a provider and the model name sent to it. */
public record DeploymentConfig(String provider, String model, int weight, Timeouts timeouts) {

    /** Stable id used in metrics, logs and {@code /admin/routes}: {@code provider/model}. */
    public String id() {
        return provider + "/" + model;
    }
}
