/**
 * Unpacking layer tars into snapshot directories with overlayfs conventions, refusing every entry that
 * would write outside the directory.
 */
package io.berth.storage.image.unpack;
