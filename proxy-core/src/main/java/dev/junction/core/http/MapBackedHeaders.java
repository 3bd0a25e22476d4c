package dev.junction.core.http;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of a byte-backed header view that only Netty's header map can answer: typed reads,
 * iteration, and every change, each handed to {@link #map()}, which the subclass builds from its
 * bytes on first use. The request's {@code RequestHeaders} and the upstream answer's
 * {@code AnswerHeaders} answer lookups from the bytes themselves and extend this for the rest.
 */
public abstract class MapBackedHeaders extends HttpHeaders {

    /** Netty's map of the same headers, built on first use; later reads and changes go to it. */
    protected abstract HttpHeaders map();

    @Override
    public Integer getInt(CharSequence name) {
        return map().getInt(name);
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        return map().getInt(name, defaultValue);
    }

    @Override
    public Short getShort(CharSequence name) {
        return map().getShort(name);
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        return map().getShort(name, defaultValue);
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        return map().getTimeMillis(name);
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        return map().getTimeMillis(name, defaultValue);
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        return map().entries();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return map().iterator();
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return map().iteratorCharSequence();
    }

    @Override
    public Iterator<String> valueStringIterator(CharSequence name) {
        return map().valueStringIterator(name);
    }

    @Override
    public Iterator<? extends CharSequence> valueCharSequenceIterator(CharSequence name) {
        return map().valueCharSequenceIterator(name);
    }

    @Override
    public Set<String> names() {
        return map().names();
    }

    @Override
    public HttpHeaders add(String name, Object value) {
        map().add(name, value);
        return this;
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        map().add(name, value);
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        map().add(name, values);
        return this;
    }

    @Override
    public HttpHeaders add(CharSequence name, Iterable<?> values) {
        map().add(name, values);
        return this;
    }

    @Override
    public HttpHeaders add(HttpHeaders headers) {
        map().add(headers);
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        map().addInt(name, value);
        return this;
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        map().addShort(name, value);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        map().set(name, value);
        return this;
    }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        map().set(name, value);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        map().set(name, values);
        return this;
    }

    @Override
    public HttpHeaders set(CharSequence name, Iterable<?> values) {
        map().set(name, values);
        return this;
    }

    @Override
    public HttpHeaders setAll(HttpHeaders headers) {
        map().setAll(headers);
        return this;
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        map().setInt(name, value);
        return this;
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        map().setShort(name, value);
        return this;
    }

    @Override
    public HttpHeaders remove(String name) {
        map().remove(name);
        return this;
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
        map().remove(name);
        return this;
    }

    @Override
    public HttpHeaders clear() {
        map().clear();
        return this;
    }

    @Override
    public HttpHeaders copy() {
        return map().copy();
    }

    @Override
    public int hashCode() {
        return map().hashCode();
    }

    @Override
    public String toString() {
        return map().toString();
    }
}
