/** {@code berth image}: pull, push, list, inspect, remove, import, export and prune images in the local store. */
package io.berth.ops.image;
