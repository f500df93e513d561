/**
 * The OCI distribution-spec client: image references, registry hosts and credentials, token and Basic
 * authentication, and the pull and push of images between a registry and the local content store.
 */
package io.berth.storage.registry;
