package dev.junction.translators.passthrough;

/** Together (wire-formats §6.1, Portkey's finish-reason map): {@code eos} is OpenAI's {@code stop}. */
final class TogetherDialect implements CompatDialect {

    static final TogetherDialect INSTANCE = new TogetherDialect();

    private TogetherDialect() {
    }

    @Override
    public String name() {
        return "together";
    }

    @Override
    public boolean mapsFinishReasons() {
        return true;
    }

    @Override
    public FinishOverride finishReason(String vendorReason) {
        return "eos".equals(vendorReason) ? FinishOverride.rename("stop") : null;
    }
}
