/** Local storage: the content store, image store, registry client and the schedulers' durable store. */
package io.berth.storage;
