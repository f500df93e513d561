/**
 * Compiles an OCI {@code linux.seccomp} profile to a classic BPF seccomp filter in pure Java, with the semantics
 * of libseccomp as runc drives it, and ships Berth's default profile.
 */
package io.berth.runtime.seccomp;
