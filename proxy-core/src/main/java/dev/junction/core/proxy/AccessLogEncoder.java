package dev.junction.core.proxy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;

import java.nio.charset.StandardCharsets;

/**
 * The logback encoder of the {@code access} appender (logback.xml): an event carrying
 * {@link AccessLog.Lines} is written as those bytes, unchanged (already UTF-8 JSON lines, each
 * ending in a newline), with no pattern layout, string copy or charset encoding in between; any
 * other event is written as its message and a newline, as the pattern {@code %msg%n} would.
 */
public final class AccessLogEncoder extends EncoderBase<ILoggingEvent> {

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        Object[] args = event.getArgumentArray();
        if (args != null && args.length == 1 && args[0] instanceof AccessLog.Lines lines
                && "{}".equals(event.getMessage())) {
            return lines.utf8();
        }
        return (event.getFormattedMessage() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
