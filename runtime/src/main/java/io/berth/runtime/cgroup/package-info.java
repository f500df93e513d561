/**
 * Control groups for containers, on cgroup v1 (one directory per mounted hierarchy) and cgroup v2 (one
 * directory, devices through an eBPF program): creating, limiting, inspecting, freezing and removing them.
 */
package io.berth.runtime.cgroup;
