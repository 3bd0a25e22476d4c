package dev.junction.simulator;

import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link VendorSimulator} until the process is killed:
 * <pre>
 * java -cp ... dev.junction.simulator.SimulatorMain --port 9001 [--latency 20ms] [--tps 200] [--tokens 12]
 *     [--fail-rate 0.3 --fail-status 503] [--tail-rate 0.05 --tail-multiplier 10] [--seed N]
 *     [--openai-key K] [--anthropic-key K] [--gemini-key K] [--threads N]
 * </pre>
 * Request recording is off, so a long load run does not accumulate memory.
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        SimulatorOptions opts;
        try {
            opts = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("simulator: " + e.getMessage());
            System.exit(2);
            return;
        }
        VendorSimulator sim = VendorSimulator.start(opts);
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close, "simulator-shutdown"));
        System.out.println("simulator listening on " + sim.baseUrl());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    static SimulatorOptions parse(String[] args) {
        SimulatorOptions.Builder b = SimulatorOptions.builder().maxRecordedRequests(0);
        double failRate = 0;
        int failStatus = 503;
        double tailRate = 0;
        double tailMultiplier = 10;
        long seed = 42;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String v = args[++i];
            try {
                switch (flag) {
                    case "--port" -> b.port(Integer.parseInt(v));
                    case "--latency" -> b.latency(Directives.duration(v));
                    case "--tps" -> b.tokensPerSecond(Double.parseDouble(v));
                    case "--tokens" -> b.replyTokens(Integer.parseInt(v));
                    case "--fail-rate" -> failRate = Double.parseDouble(v);
                    case "--fail-status" -> failStatus = Integer.parseInt(v);
                    case "--tail-rate" -> tailRate = Double.parseDouble(v);
                    case "--tail-multiplier" -> tailMultiplier = Double.parseDouble(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--openai-key" -> b.openAiKey(v);
                    case "--anthropic-key" -> b.anthropicKey(v);
                    case "--gemini-key" -> b.geminiKey(v);
                    case "--threads" -> b.ioThreads(Integer.parseInt(v));
                    case "--record" -> b.maxRecordedRequests(Integer.parseInt(v));
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad number for " + flag + ": " + v);
            }
        }
        b.faults(new FaultProfile(failRate, failStatus, tailRate, tailMultiplier, seed));
        return b.build();
    }
}
