/** Tests of Berth clusters made of separate JVMs on loopback (scheduler nodes and hollow-agent nodes). */
package io.berth.scheduler.multijvm;
