package dev.junction.simulator;

/** What the vendor renderers need from the running simulator. */
interface Engine {

    SimulatorOptions options();

    /** Layers the directives under the next enqueued behaviour and the fault profile (consumes one behaviour). */
    Effective effective(Behavior directives);

    /** A process-unique number for ids ({@code chatcmpl-…}, {@code msg_…}, {@code toolu_…}). */
    long nextId();
}
