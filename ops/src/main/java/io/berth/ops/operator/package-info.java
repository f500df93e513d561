/**
 * Operator commands over the API: the cluster's members ({@code berth cluster}) and a snapshot and restore of the
 * job store ({@code berth job-store}).
 */
package io.berth.ops.operator;
