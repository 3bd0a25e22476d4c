/**
 * Fetching media that a client passed by URL, for vendors that need the bytes inline.
 *
 * <p>{@link dev.junction.core.media.MediaFetcher} fetches on the caller's event loop under a
 * {@link dev.junction.core.media.FetchPolicy} (size limit, whole-fetch timeout, redirect limit,
 * allow-list, accepted media types) and refuses targets that resolve to loopback, private,
 * link-local or otherwise non-public addresses (SPEC §9), judged by
 * {@link dev.junction.core.media.AddressClassifier} on the resolved address it then connects to.
 * Failures are SPEC §4 {@code invalid_value} errors carried by a
 * {@link dev.junction.translators.spi.TranslationException}.
 */
package dev.junction.core.media;
