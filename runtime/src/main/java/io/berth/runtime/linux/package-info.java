/**
 * The runtime's only contact with the kernel from Java: one jnr-ffi binding of libc, a wrapper that turns
 * -1/errno into {@link io.berth.runtime.linux.SyscallException}s naming the call, and the spawn of the
 * sealed C init on a single-use thread. No jnr-ffi type leaves this package.
 */
package io.berth.runtime.linux;
