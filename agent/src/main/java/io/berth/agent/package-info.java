/** The node agent: turns allocations into running containers on its machine and keeps them running. */
package io.berth.agent;
