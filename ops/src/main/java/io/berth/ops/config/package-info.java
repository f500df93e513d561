/** {@code berth config}: the reference of every {@code berth.*} setting, rendered from the defaults themselves. */
package io.berth.ops.config;
