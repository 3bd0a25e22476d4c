package dev.junction.core.proxy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The logback appender of the {@code access} logger in the shipped logback.xml: an event carrying
 * {@link AccessLog.Lines} is written to standard output (or standard error, {@code <target>}) as
 * those bytes, unchanged (UTF-8 JSON lines, each ending in a newline), and flushed: no message
 * string, pattern layout or charset encoding in between. Any other event is written as its message
 * and a newline, as a console appender with the pattern {@code %msg%n} would.
 *
 * <p>Why an appender and not just an encoder: logback's output-stream appenders prepare every event
 * for deferred processing, which formats its message, i.e. would turn the rendered bytes back into
 * a string per batch. Another appender configured for {@code access} still works: it gets the lines
 * joined by newlines as the message.
 */
public final class AccessLogAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    private boolean stderr;
    private OutputStream out;

    /** {@code System.out} (the default) or {@code System.err}. */
    public void setTarget(String target) {
        String t = target == null ? "" : target.trim();
        if (!t.equals("System.out") && !t.equals("System.err")) {
            addWarn("access log target '" + target + "' is neither System.out nor System.err; using System.out");
        }
        this.stderr = t.equals("System.err");
    }

    /** Writes to {@code out} instead of the console (tests and benchmarks). */
    void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] bytes;
        int offset = 0;
        int length;
        Object[] args = event.getArgumentArray();
        if (args != null && args.length == 1 && args[0] instanceof AccessLog.Lines lines && "{}".equals(event.getMessage())) {
            bytes = lines.bytes(); // possibly a view of a reused buffer: written before returning
            offset = lines.offset();
            length = lines.length();
        } else {
            bytes = (event.getFormattedMessage() + "\n").getBytes(StandardCharsets.UTF_8);
            length = bytes.length;
        }
        // The console stream is looked up per write, as logback's console appender does (System.setOut).
        OutputStream o = out != null ? out : stderr ? System.err : System.out;
        synchronized (this) {
            try {
                o.write(bytes, offset, length);
                o.flush();
            } catch (IOException e) {
                addError("access log write failed", e);
            }
        }
        if (o instanceof PrintStream p && p.checkError()) {
            addError("access log write failed (the console stream reports an error)");
        }
    }
}
