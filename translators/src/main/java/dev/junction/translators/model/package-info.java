/**
 * The canonical, vendor-neutral request and response types. The OpenAI ingress codec
 * ({@code dev.junction.translators.openai}) turns a client's OpenAI JSON into these, and each
 * vendor adapter turns them into its native request; responses travel back the same way.
 * All types are immutable records.
 */
package dev.junction.translators.model;
