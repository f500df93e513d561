/** Berth's OCI runtime: the in-process Java API the agent uses. */
package io.berth.runtime;
